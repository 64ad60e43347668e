// rdkafka_roundtrip: produce `count` keyed records with headers to partition 0 of a topic,
// then read them back with an assigned KafkaConsumer from offset 0 and verify every one.
//
//   rdkafka_roundtrip BOOTSTRAP TOPIC COUNT COMPRESSION [ACKS]
//
// Prints one JSON line: {"produced":N,"delivered":N,"delivery_errors":E,"consumed":C,
// "mismatches":M,"ok":true|false,"error":"..."}. Exit code 0 only when every record matched;
// 1 on a mismatch or client error, 2 on bad usage.
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Summary {
  long produced = 0;
  long delivered = 0;
  long delivery_errors = 0;
  long consumed = 0;
  long mismatches = 0;
  std::string error;
};

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

void print_summary(const Summary& s, bool ok) {
  std::cout << "{\"produced\":" << s.produced << ",\"delivered\":" << s.delivered
            << ",\"delivery_errors\":" << s.delivery_errors << ",\"consumed\":" << s.consumed
            << ",\"mismatches\":" << s.mismatches << ",\"ok\":" << (ok ? "true" : "false")
            << ",\"error\":\"" << json_escape(s.error) << "\"}" << std::endl;
}

std::string key_for(long i) {
  return "key-" + std::to_string(i);
}

std::string value_for(long i, const std::string& codec) {
  std::string v = "value-" + std::to_string(i) + "-" + codec + "-";
  for (long r = 0; r < i % 17; ++r)
    v += "abcdefghijklmnopqrstuvwxyz0123456789";
  return v;
}

class DeliveryCounter : public RdKafka::DeliveryReportCb {
 public:
  explicit DeliveryCounter(Summary& s) : s_(s) {}
  void dr_cb(RdKafka::Message& msg) override {
    if (msg.err() == RdKafka::ERR_NO_ERROR) {
      ++s_.delivered;
    } else {
      ++s_.delivery_errors;
      if (s_.error.empty()) s_.error = "delivery: " + msg.errstr();
    }
  }

 private:
  Summary& s_;
};

bool set(RdKafka::Conf* conf, const std::string& k, const std::string& v, Summary& s) {
  std::string errstr;
  if (conf->set(k, v, errstr) != RdKafka::Conf::CONF_OK) {
    s.error = "config " + k + ": " + errstr;
    return false;
  }
  return true;
}

std::string header_value(const RdKafka::Headers* hs, const std::string& key) {
  if (hs == nullptr) return "<none>";
  std::vector<RdKafka::Headers::Header> found = hs->get(key);
  if (found.size() != 1 || found[0].value() == nullptr) return "<missing>";
  return std::string(static_cast<const char*>(found[0].value()), found[0].value_size());
}

bool produce_all(const std::string& bootstrap, const std::string& topic, long count,
                 const std::string& codec, const std::string& acks, Summary& s) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  DeliveryCounter dr(s);
  std::string errstr;
  if (!set(conf.get(), "bootstrap.servers", bootstrap, s) ||
      !set(conf.get(), "compression.type", codec, s) || !set(conf.get(), "acks", acks, s) ||
      !set(conf.get(), "linger.ms", "10", s) || !set(conf.get(), "message.timeout.ms", "30000", s))
    return false;
  if (conf->set("dr_cb", &dr, errstr) != RdKafka::Conf::CONF_OK) {
    s.error = "dr_cb: " + errstr;
    return false;
  }
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), errstr));
  if (!producer) {
    s.error = "producer: " + errstr;
    return false;
  }
  for (long i = 0; i < count; ++i) {
    std::string key = key_for(i);
    std::string value = value_for(i, codec);
    RdKafka::Headers* headers = RdKafka::Headers::create();
    std::string seq = std::to_string(i);
    headers->add("seq", seq.data(), seq.size());
    headers->add("src", "rdkafka_roundtrip");
    for (int attempt = 0; attempt < 200; ++attempt) {
      RdKafka::ErrorCode err =
          producer->produce(topic, 0, RdKafka::Producer::RK_MSG_COPY, value.data(), value.size(),
                            key.data(), key.size(), 0, headers, nullptr);
      if (err == RdKafka::ERR_NO_ERROR) {
        headers = nullptr;  // owned by librdkafka now
        ++s.produced;
        break;
      }
      if (err != RdKafka::ERR__QUEUE_FULL) {
        s.error = "produce: " + RdKafka::err2str(err);
        break;
      }
      producer->poll(50);
    }
    if (headers != nullptr) {
      delete headers;
      if (s.error.empty()) s.error = "produce: queue stayed full";
      return false;
    }
    producer->poll(0);
  }
  RdKafka::ErrorCode ferr = producer->flush(30000);
  if (ferr != RdKafka::ERR_NO_ERROR) {
    s.error = "flush: " + RdKafka::err2str(ferr);
    return false;
  }
  return s.delivered == count;
}

bool consume_all(const std::string& bootstrap, const std::string& topic, long count,
                 const std::string& codec, Summary& s) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string errstr;
  // librdkafka's KafkaConsumer needs a group.id, but it is unused without subscribe/commit.
  if (!set(conf.get(), "bootstrap.servers", bootstrap, s) ||
      !set(conf.get(), "group.id", "rdkafka-roundtrip-unused", s) ||
      !set(conf.get(), "enable.auto.commit", "false", s) ||
      !set(conf.get(), "enable.auto.offset.store", "false", s) ||
      !set(conf.get(), "enable.partition.eof", "true", s) ||
      !set(conf.get(), "fetch.wait.max.ms", "100", s))
    return false;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf.get(), errstr));
  if (!consumer) {
    s.error = "consumer: " + errstr;
    return false;
  }
  std::vector<RdKafka::TopicPartition*> parts{RdKafka::TopicPartition::create(topic, 0, 0)};
  RdKafka::ErrorCode aerr = consumer->assign(parts);
  RdKafka::TopicPartition::destroy(parts);
  if (aerr != RdKafka::ERR_NO_ERROR) {
    s.error = "assign: " + RdKafka::err2str(aerr);
    consumer->close();
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool eof_after_all = false;
  while (std::chrono::steady_clock::now() < deadline && !eof_after_all) {
    std::unique_ptr<RdKafka::Message> msg(consumer->consume(500));
    if (!msg) continue;
    switch (msg->err()) {
      case RdKafka::ERR_NO_ERROR: {
        long i = s.consumed++;
        bool ok = msg->offset() == i && msg->key() != nullptr && *msg->key() == key_for(i) &&
                  std::string(static_cast<const char*>(msg->payload()), msg->len()) ==
                      value_for(i, codec) &&
                  header_value(msg->headers(), "seq") == std::to_string(i) &&
                  header_value(msg->headers(), "src") == "rdkafka_roundtrip";
        if (!ok) {
          ++s.mismatches;
          if (s.error.empty()) s.error = "mismatch at record " + std::to_string(i);
        }
        break;
      }
      case RdKafka::ERR__PARTITION_EOF:
        if (s.consumed >= count) eof_after_all = true;
        break;
      case RdKafka::ERR__TIMED_OUT:
        break;
      default:
        // Transient errors (e.g. the unused group's coordinator lookup) are not fatal here.
        if (s.error.empty()) s.error = "consume: " + msg->errstr();
        break;
    }
  }
  consumer->close();
  if (!eof_after_all && s.error.empty()) s.error = "timed out before reaching the end";
  return eof_after_all && s.consumed == count && s.mismatches == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || argc > 6) {
    std::cerr << "usage: " << argv[0] << " BOOTSTRAP TOPIC COUNT COMPRESSION [ACKS]\n";
    return 2;
  }
  const std::string bootstrap = argv[1];
  const std::string topic = argv[2];
  char* end = nullptr;
  const long count = std::strtol(argv[3], &end, 10);
  if (end == argv[3] || *end != '\0' || count <= 0 || count > 10000000) {
    std::cerr << "COUNT must be a positive integer\n";
    return 2;
  }
  const std::string codec = argv[4];
  const std::string acks = argc == 6 ? argv[5] : "all";

  Summary s;
  bool ok = produce_all(bootstrap, topic, count, codec, acks, s);
  if (ok) {
    // Transient consume errors are reported but only content decides the verdict.
    std::string produce_error = s.error;
    ok = consume_all(bootstrap, topic, count, codec, s);
    if (ok) s.error = produce_error;
  }
  print_summary(s, ok);
  return ok ? 0 : 1;
}
