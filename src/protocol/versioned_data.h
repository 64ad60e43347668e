// How Kafka stores a data format outside its APIs (an internal topic's keys and values, the
// consumer protocol's subscription and assignment): an int16 version, then the body encoded at
// that version. The body types are generated from schemas/data/*.schema.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "protocol/codec.h"

namespace gregor::protocol {

template <typename Format>
std::vector<uint8_t> encode_versioned(const Format& body, int16_t version) {
  Writer out;
  out.i16(version);
  body.encode(out, version);
  return std::move(out.bytes());
}

// What a version the format does not know is read as.
enum class NewerVersions {
  kRefused,       // nullopt: the format may change incompatibly (internal topics' records)
  kReadAsNewest,  // read as the newest known one: versions only append fields (consumer protocol)
};

template <typename Format>
struct Versioned {
  int16_t version = 0;
  Format body;
};

// nullopt when the bytes are truncated or malformed, or the version is unknown and refused.
// Bytes after the body are ignored: a newer version's appended fields.
template <typename Format>
std::optional<Versioned<Format>> decode_versioned(ByteView bytes,
                                                  NewerVersions newer = NewerVersions::kRefused) {
  Reader in(bytes);
  Versioned<Format> out;
  out.version = in.i16();
  if (!in.ok() || out.version < Format::kMinVersion) return std::nullopt;
  int16_t read_as = out.version;
  if (out.version > Format::kMaxVersion) {
    if (newer == NewerVersions::kRefused) return std::nullopt;
    read_as = Format::kMaxVersion;
  }
  out.body.decode(in, read_as);
  if (!in.ok()) return std::nullopt;
  return out;
}

}  // namespace gregor::protocol
