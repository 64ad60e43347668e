// One appender, one reader and one flusher on the same log at once: readers must only ever see
// whole, valid, contiguous batches, and the flushed offset only moves forward.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "storage/log.h"
#include "storage/testing_batches.h"

namespace gregor::storage {
namespace {

using testing::make_batches;
using testing::parse_all;
using testing::read_slice;
using testing::TempDir;

TEST(LogConcurrencyTest, AppendReadAndFlushTogether) {
  TempDir dir;
  LogConfig config;
  config.segment_bytes = 16 * 1024;  // many rolls
  config.index_interval_bytes = 512;
  config.segment_index_bytes = 4096;
  auto log = Log::open(dir / "t-0", config, false, 0).log;
  ASSERT_TRUE(log);
  constexpr int kAppends = 1500;
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};

  std::thread appender([&] {
    for (int i = 0; i < kAppends; ++i) {
      auto payload = make_batches(1 + i % 3, 1 + i % 5, i);
      if (log->append(payload.bytes, payload.headers, 0, 1000 + i).error != ErrorCode::kNone) {
        ++failures;
      }
    }
    done = true;
  });

  std::thread reader([&] {
    int64_t next = 0;
    while (!done || next < log->log_end_offset()) {
      auto read = log->read(next, 8 * 1024, true, log->log_end_offset());
      if (read.error != ErrorCode::kNone) {
        ++failures;
        break;
      }
      if (!read.slice) {
        std::this_thread::yield();
        continue;
      }
      const auto bytes = read_slice(*read.slice);
      protocol::ByteView rest(bytes);
      for (const auto& header : parse_all(bytes)) {
        if (header.base_offset != next || !protocol::batch_crc_ok(rest)) ++failures;
        next = header.last_offset() + 1;
        rest = rest.subspan(header.total_size());
      }
      if (!rest.empty()) ++failures;  // a partial batch was served
    }
  });

  std::thread flusher([&] {
    int64_t last = 0;
    while (!done) {
      if (log->flush() != ErrorCode::kNone) ++failures;
      const int64_t flushed = log->flushed_offset();
      if (flushed < last || flushed > log->log_end_offset()) ++failures;
      last = flushed;
    }
  });

  appender.join();
  reader.join();
  flusher.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_EQ(log->flush(), ErrorCode::kNone);
  EXPECT_EQ(log->flushed_offset(), log->log_end_offset());
  EXPECT_GT(log->segment_count(), 10u);

  // Everything survives a reopen with full recovery.
  const int64_t end = log->log_end_offset();
  log.reset();
  auto reopened = Log::open(dir / "t-0", config, true, 0).log;
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->log_end_offset(), end);
}

}  // namespace
}  // namespace gregor::storage
