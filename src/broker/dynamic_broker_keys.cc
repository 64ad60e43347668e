#include "broker/dynamic_broker_keys.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <span>

namespace gregor::broker {
namespace {

// The value types Kafka parses a dynamic key's value as before anything else.
enum class ValueType { kInt, kLong, kDouble, kBoolean, kText };

struct DynamicKey {
  std::string_view name;
  ValueType type;
  bool per_broker_only;
  int64_t min = std::numeric_limits<int64_t>::min();  // Kafka's atLeast() validator, if any
};

constexpr int64_t kNoMin = std::numeric_limits<int64_t>::min();

// Kafka 3.9's dynamic broker keys other than the log defaults of log_config_keys(): the thread
// pools, the log cleaner, the connection limits, the listeners and their security, producer
// state, remote log manager and replica-move quota keys. Gregor stores and describes them.
constexpr std::array kDynamicKeys = {
    DynamicKey{"num.io.threads", ValueType::kInt, false, 1},
    DynamicKey{"num.network.threads", ValueType::kInt, false, 1},
    DynamicKey{"num.replica.fetchers", ValueType::kInt, false, kNoMin},
    DynamicKey{"num.recovery.threads.per.data.dir", ValueType::kInt, false, 1},
    DynamicKey{"background.threads", ValueType::kInt, false, 1},
    DynamicKey{"log.cleaner.threads", ValueType::kInt, false, 0},
    DynamicKey{"log.cleaner.dedupe.buffer.size", ValueType::kLong, false, kNoMin},
    DynamicKey{"log.cleaner.io.buffer.load.factor", ValueType::kDouble, false, kNoMin},
    DynamicKey{"log.cleaner.io.buffer.size", ValueType::kInt, false, 0},
    DynamicKey{"log.cleaner.io.max.bytes.per.second", ValueType::kDouble, false, kNoMin},
    DynamicKey{"log.cleaner.backoff.ms", ValueType::kLong, false, 0},
    DynamicKey{"metric.reporters", ValueType::kText, false, kNoMin},
    DynamicKey{"max.connections", ValueType::kInt, false, 0},
    DynamicKey{"max.connection.creation.rate", ValueType::kInt, false, 0},
    DynamicKey{"max.connections.per.ip", ValueType::kInt, false, 0},
    DynamicKey{"max.connections.per.ip.overrides", ValueType::kText, false, kNoMin},
    DynamicKey{"producer.id.expiration.ms", ValueType::kInt, false, 1},
    DynamicKey{"transaction.partition.verification.enable", ValueType::kBoolean, false, kNoMin},
    DynamicKey{"remote.log.index.file.cache.total.size.bytes", ValueType::kLong, false, 1},
    DynamicKey{"remote.fetch.max.wait.ms", ValueType::kInt, false, 1},
    DynamicKey{"remote.log.manager.copy.max.bytes.per.second", ValueType::kLong, false, 1},
    DynamicKey{"remote.log.manager.fetch.max.bytes.per.second", ValueType::kLong, false, 1},
    DynamicKey{"replica.alter.log.dirs.io.max.bytes.per.second", ValueType::kLong, false, 1},
    // Per broker only: a broker's own listeners and their security.
    DynamicKey{"advertised.listeners", ValueType::kText, true, kNoMin},
    DynamicKey{"listeners", ValueType::kText, true, kNoMin},
    DynamicKey{"listener.security.protocol.map", ValueType::kText, true, kNoMin},
    DynamicKey{"principal.builder.class", ValueType::kText, true, kNoMin},
    DynamicKey{"ssl.protocol", ValueType::kText, true, kNoMin},
    DynamicKey{"ssl.provider", ValueType::kText, true, kNoMin},
    DynamicKey{"ssl.cipher.suites", ValueType::kText, true, kNoMin},
    DynamicKey{"ssl.enabled.protocols", ValueType::kText, true, kNoMin},
    DynamicKey{"ssl.keymanager.algorithm", ValueType::kText, true, kNoMin},
    DynamicKey{"ssl.trustmanager.algorithm", ValueType::kText, true, kNoMin},
    DynamicKey{"ssl.endpoint.identification.algorithm", ValueType::kText, true, kNoMin},
    DynamicKey{"ssl.secure.random.implementation", ValueType::kText, true, kNoMin},
    DynamicKey{"ssl.client.auth", ValueType::kText, true, kNoMin},
    DynamicKey{"ssl.engine.factory.class", ValueType::kText, true, kNoMin},
    DynamicKey{"sasl.mechanism.inter.broker.protocol", ValueType::kText, true, kNoMin},
    DynamicKey{"sasl.jaas.config", ValueType::kText, true, kNoMin},
    DynamicKey{"sasl.enabled.mechanisms", ValueType::kText, true, kNoMin},
    DynamicKey{"sasl.kerberos.service.name", ValueType::kText, true, kNoMin},
    DynamicKey{"sasl.kerberos.kinit.cmd", ValueType::kText, true, kNoMin},
    DynamicKey{"sasl.kerberos.ticket.renew.window.factor", ValueType::kDouble, true, kNoMin},
    DynamicKey{"sasl.kerberos.ticket.renew.jitter", ValueType::kDouble, true, kNoMin},
    DynamicKey{"sasl.kerberos.min.time.before.relogin", ValueType::kLong, true, kNoMin},
    DynamicKey{"sasl.kerberos.principal.to.local.rules", ValueType::kText, true, kNoMin},
    DynamicKey{"sasl.login.refresh.window.factor", ValueType::kDouble, true, kNoMin},
    DynamicKey{"sasl.login.refresh.window.jitter", ValueType::kDouble, true, kNoMin},
    DynamicKey{"sasl.login.refresh.min.period.seconds", ValueType::kInt, true, kNoMin},
    DynamicKey{"sasl.login.refresh.buffer.seconds", ValueType::kInt, true, kNoMin},
};

// The SSL store keys: dynamic only under a listener prefix (listener.name.<l>.ssl.keystore...).
constexpr std::string_view kListenerOnlySecurityKeys[] = {
    "ssl.keystore.type",       "ssl.keystore.location",
    "ssl.keystore.password",   "ssl.key.password",
    "ssl.truststore.type",     "ssl.truststore.location",
    "ssl.truststore.password", "ssl.keystore.certificate.chain",
    "ssl.keystore.key",        "ssl.truststore.certificates"};

// Listener keys that may be set for the whole cluster even under a listener prefix.
constexpr std::string_view kClusterLevelListenerKeys[] = {
    "max.connections", "max.connection.creation.rate", "num.network.threads"};

// Kafka broker keys that are not dynamic. Kafka refuses every name of its KafkaConfig that is
// not dynamic; this list holds the ones a Kafka user is likely to try (those Gregor reads from
// server.properties among them). A Kafka key missing here is taken as a custom key.
constexpr std::string_view kStaticKeys[] = {
    "broker.id",
    "node.id",
    "process.roles",
    "log.dirs",
    "log.dir",
    "zookeeper.connect",
    "zookeeper.session.timeout.ms",
    "zookeeper.connection.timeout.ms",
    "zookeeper.max.in.flight.requests",
    "zookeeper.set.acl",
    "broker.rack",
    "broker.id.generation.enable",
    "reserved.broker.max.id",
    "control.plane.listener.name",
    "inter.broker.listener.name",
    "security.inter.broker.protocol",
    "inter.broker.protocol.version",
    "log.message.format.version",
    "log.retention.hours",
    "log.retention.minutes",
    "log.roll.hours",
    "log.roll.jitter.hours",
    "log.retention.check.interval.ms",
    "log.flush.scheduler.interval.ms",
    "log.flush.offset.checkpoint.interval.ms",
    "log.flush.start.offset.checkpoint.interval.ms",
    "log.cleaner.enable",
    "log.initial.task.delay.ms",
    "num.partitions",
    "default.replication.factor",
    "auto.create.topics.enable",
    "delete.topic.enable",
    "auto.leader.rebalance.enable",
    "leader.imbalance.check.interval.seconds",
    "leader.imbalance.per.broker.percentage",
    "controlled.shutdown.enable",
    "controlled.shutdown.max.retries",
    "controlled.shutdown.retry.backoff.ms",
    "controller.socket.timeout.ms",
    "controller.quorum.voters",
    "controller.listener.names",
    "queued.max.requests",
    "queued.max.request.bytes",
    "request.timeout.ms",
    "connections.max.idle.ms",
    "socket.send.buffer.bytes",
    "socket.receive.buffer.bytes",
    "socket.request.max.bytes",
    "socket.listen.backlog.size",
    "replica.lag.time.max.ms",
    "replica.socket.timeout.ms",
    "replica.socket.receive.buffer.bytes",
    "replica.fetch.max.bytes",
    "replica.fetch.wait.max.ms",
    "replica.fetch.min.bytes",
    "replica.fetch.response.max.bytes",
    "replica.fetch.backoff.ms",
    "replica.high.watermark.checkpoint.interval.ms",
    "replica.selector.class",
    "offsets.topic.num.partitions",
    "offsets.topic.replication.factor",
    "offsets.topic.segment.bytes",
    "offsets.topic.compression.codec",
    "offsets.load.buffer.size",
    "offsets.retention.minutes",
    "offsets.retention.check.interval.ms",
    "offsets.commit.timeout.ms",
    "offsets.commit.required.acks",
    "offset.metadata.max.bytes",
    "group.initial.rebalance.delay.ms",
    "group.min.session.timeout.ms",
    "group.max.session.timeout.ms",
    "group.max.size",
    "transaction.state.log.num.partitions",
    "transaction.state.log.replication.factor",
    "transaction.state.log.segment.bytes",
    "transaction.state.log.min.isr",
    "transactional.id.expiration.ms",
    "transaction.max.timeout.ms",
    "fetch.purgatory.purge.interval.requests",
    "producer.purgatory.purge.interval.requests",
    "delete.records.purgatory.purge.interval.requests",
    "authorizer.class.name",
    "super.users",
    "metrics.num.samples",
    "metrics.sample.window.ms",
    "metrics.recording.level",
    "quota.window.num",
    "quota.window.size.seconds",
    "alter.config.policy.class.name",
    "create.topic.policy.class.name",
};

constexpr std::string_view kListenerPrefix = "listener.name.";

const DynamicKey* find_dynamic_key(std::string_view name) {
  auto it = std::find_if(kDynamicKeys.begin(), kDynamicKeys.end(),
                         [name](const DynamicKey& key) { return key.name == name; });
  return it == kDynamicKeys.end() ? nullptr : &*it;
}

bool is_log_default(std::string_view name) {
  return std::any_of(
      log_config_keys().begin(), log_config_keys().end(), [name](const LogConfigKey& key) {
        return key.broker_dynamic && !key.broker_key.empty() && key.broker_key == name;
      });
}

bool contains(std::span<const std::string_view> names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// "listener.name.internal.ssl.keystore.location" -> "ssl.keystore.location"; else nullopt.
std::optional<std::string_view> listener_base_key(std::string_view name) {
  if (!name.starts_with(kListenerPrefix)) return std::nullopt;
  const auto rest = name.substr(kListenerPrefix.size());
  const auto dot = rest.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  return rest.substr(dot + 1);
}

const char* type_name(ValueType type) {
  switch (type) {
    case ValueType::kInt:
      return "INT";
    case ValueType::kLong:
      return "LONG";
    default:
      return "DOUBLE";
  }
}

// Kafka's type check and atLeast() validator of a non-log dynamic key; "" when the value passes.
std::string value_problem(const DynamicKey& key, std::string_view value) {
  if (key.type == ValueType::kText) return "";
  if (key.type == ValueType::kBoolean) {
    return value == "true" || value == "false" ? "" : "Expected value to be either true or false";
  }
  const std::string text(value);
  const auto not_a_number = std::string("Not a number of type ") + type_name(key.type);
  if (key.type == ValueType::kDouble) {
    char* end = nullptr;
    (void)std::strtod(text.c_str(), &end);
    return text.empty() || *end != '\0' ? not_a_number : "";
  }
  int64_t number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  const int64_t max = key.type == ValueType::kInt ? std::numeric_limits<int32_t>::max()
                                                  : std::numeric_limits<int64_t>::max();
  const int64_t min = key.type == ValueType::kInt ? std::numeric_limits<int32_t>::min()
                                                  : std::numeric_limits<int64_t>::min();
  if (error != std::errc() || end != text.data() + text.size() || number > max || number < min)
    return not_a_number;
  if (number < key.min) return "Value must be at least " + std::to_string(key.min);
  return "";
}

std::optional<std::string> refusal(const std::vector<std::string>& names, std::string_view what) {
  if (names.empty()) return std::nullopt;
  return std::string(what) + ": " + scala_set_text(names);
}

std::vector<std::string> names_where(const TopicConfigs& configs,
                                     bool (*predicate)(std::string_view)) {
  std::vector<std::string> names;
  for (const auto& [name, value] : configs) {
    if (predicate(name)) names.push_back(name);
  }
  return names;
}

bool is_static(std::string_view name) {
  return classify_broker_key(name) == BrokerKeyClass::kStatic;
}

bool is_unprefixed_security_key(std::string_view name) {
  return contains(kListenerOnlySecurityKeys, name);
}

bool is_per_broker_only(std::string_view name) {
  return classify_broker_key(name) == BrokerKeyClass::kPerBrokerOnly;
}

// The first bad value, in key order: Kafka stops at the first one too.
std::optional<std::string> bad_value(const TopicConfigs& configs) {
  TopicConfigs log_defaults;
  for (const auto& [name, value] : configs) {
    if (is_log_default(name)) log_defaults[name] = value;
    const DynamicKey* key = find_dynamic_key(listener_base_key(name).value_or(name));
    if (key == nullptr) continue;
    if (auto problem = value_problem(*key, value); !problem.empty())
      return "Invalid value " + value + " for configuration " + name + ": " + problem;
  }
  storage::LogConfig scratch;
  std::string error;
  if (!apply_log_configs(scratch, log_defaults, KeyLevel::kBroker, error)) return error;
  return std::nullopt;
}

}  // namespace

BrokerKeyClass classify_broker_key(std::string_view name) {
  if (is_log_default(name)) return BrokerKeyClass::kLogDefault;
  if (auto base = listener_base_key(name)) {
    return contains(kClusterLevelListenerKeys, *base) ? BrokerKeyClass::kDynamic
                                                      : BrokerKeyClass::kPerBrokerOnly;
  }
  if (contains(kListenerOnlySecurityKeys, name)) return BrokerKeyClass::kPerBrokerOnly;
  if (const DynamicKey* key = find_dynamic_key(name)) {
    return key->per_broker_only ? BrokerKeyClass::kPerBrokerOnly : BrokerKeyClass::kDynamic;
  }
  if (contains(kStaticKeys, name)) return BrokerKeyClass::kStatic;
  return BrokerKeyClass::kCustom;
}

std::optional<std::string> check_dynamic_broker_keys(const TopicConfigs& configs, bool per_broker) {
  if (auto refused =
          refusal(names_where(configs, &is_static), "Cannot update these configs dynamically"))
    return refused;
  if (auto refused = refusal(names_where(configs, &is_unprefixed_security_key),
                             "These security configs can be dynamically updated only "
                             "per-listener using the listener prefix"))
    return refused;
  if (auto refused = bad_value(configs)) return refused;
  if (per_broker) return std::nullopt;
  return refusal(names_where(configs, &is_per_broker_only),
                 "Cannot update these configs at default cluster level, broker id must be "
                 "specified");
}

std::string scala_set_text(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  std::string text = names.size() > 4 ? "HashSet(" : "Set(";
  for (size_t i = 0; i < names.size(); ++i)
    text += (i == 0 ? "" : ", ") + names[i];
  return text + ")";
}

}  // namespace gregor::broker
