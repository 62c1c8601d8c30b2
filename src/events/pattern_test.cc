#include "events/pattern.h"

#include <gtest/gtest.h>

namespace nimbus::events {
namespace {

TEST(EventPattern, RejectsNonObject) {
  auto p = EventPattern::parse("[1]");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, "InvalidEventPatternException");
}

}  // namespace
}  // namespace nimbus::events
