#include "protocol/request_header.h"

namespace gregor::protocol {

bool read_header_prefix(Reader& in, RequestHeader& header) {
  header.api_key = in.i16();
  header.api_version = in.i16();
  header.correlation_id = in.i32();
  return in.ok();
}

void read_header_rest(Reader& in, RequestHeader& header, bool flexible) {
  header.client_id = in.nullable_string(/*compact=*/false);
  if (!flexible) return;
  const uint32_t tagged = in.uvarint();
  for (uint32_t i = 0; i < tagged && in.ok(); ++i) {
    in.uvarint();  // tag: no request-header tags are defined yet
    in.skip(in.uvarint());
  }
}

void begin_response(Writer& out, int32_t correlation_id, bool flexible_header) {
  out.i32(0);  // frame size, patched by finish_frame
  out.i32(correlation_id);
  if (flexible_header) out.uvarint(0);
}

void finish_frame(Writer& out) {
  out.patch_i32(0, static_cast<int32_t>(out.size() - 4));
}

void begin_request(Writer& out, const RequestHeader& header, bool flexible) {
  out.i32(0);
  out.i16(header.api_key);
  out.i16(header.api_version);
  out.i32(header.correlation_id);
  out.nullable_string(header.client_id, /*compact=*/false);
  if (flexible) out.uvarint(0);
}

}  // namespace gregor::protocol
