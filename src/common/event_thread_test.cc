#include "common/event_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace gregor {
namespace {

TEST(EventThreadTest, RunsTasksInOrderOnOneThread) {
  EventThread events("test");
  events.start();
  std::vector<int> order;
  std::thread::id runner;
  for (int i = 0; i < 100; ++i) {
    events.post([&, i] {
      if (i == 0) runner = std::this_thread::get_id();
      EXPECT_EQ(std::this_thread::get_id(), runner);
      order.push_back(i);
    });
  }
  events.sync();
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(order[i], i);
  EXPECT_NE(runner, std::this_thread::get_id());
}

TEST(EventThreadTest, TasksMayPostTasks) {
  EventThread events("test");
  events.start();
  int ran = 0;
  events.post([&] { events.post([&] { ++ran; }); });
  events.sync();  // the outer task has run, so the inner one is queued before the next marker
  events.sync();
  EXPECT_EQ(ran, 1);
}

TEST(EventThreadTest, StopRunsQueuedTasksAndDropsLaterOnes) {
  EventThread events("test");
  events.start();
  std::atomic<int> ran{0};
  for (int i = 0; i < 10; ++i)
    events.post([&] { ++ran; });
  events.stop();
  EXPECT_EQ(ran.load(), 10);
  events.post([&] { ++ran; });
  events.sync();  // returns at once when stopped
  events.stop();  // idempotent
  EXPECT_EQ(ran.load(), 10);
}

TEST(EventThreadTest, PeriodicTaskRunsUntilDisabled) {
  EventThread events("test");
  events.start();
  std::atomic<int> ticks{0};
  events.set_periodic(std::chrono::milliseconds(1), [&] { ++ticks; });
  for (int attempt = 0; attempt < 2000 && ticks.load() < 3; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_GE(ticks.load(), 3);
  events.set_periodic(std::chrono::milliseconds(0), {});
  events.sync();
  int after = ticks.load();
  events.post([] {});
  events.sync();
  EXPECT_LE(ticks.load(), after + 1);  // at most one tick already under way
}

}  // namespace
}  // namespace gregor
