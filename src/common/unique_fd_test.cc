#include "common/unique_fd.h"

#include <fcntl.h>
#include <gtest/gtest.h>

namespace nimbus {
namespace {

bool is_open(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

int open_null() {
  return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

TEST(UniqueFd, ClosesWhenItsOwnerGoes) {
  int raw = open_null();
  ASSERT_GE(raw, 0);
  {
    UniqueFd fd(raw);
    EXPECT_TRUE(fd);
    EXPECT_EQ(fd.get(), raw);
    EXPECT_TRUE(is_open(raw));
  }
  EXPECT_FALSE(is_open(raw));
}

TEST(UniqueFd, AFailedOpenHoldsNothing) {
  UniqueFd fd(::open("/nonexistent/file", O_RDONLY | O_CLOEXEC));
  EXPECT_FALSE(fd);
  EXPECT_FALSE(UniqueFd());
}

TEST(UniqueFd, MovingHandsTheDescriptorOn) {
  int raw = open_null();
  UniqueFd a(raw);
  UniqueFd b(std::move(a));
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(b.get(), raw);
  int other = open_null();
  UniqueFd c(other);
  c = std::move(b);  // c's own descriptor is closed, b's taken
  EXPECT_FALSE(is_open(other));
  EXPECT_EQ(c.get(), raw);
  EXPECT_TRUE(is_open(raw));
}

TEST(UniqueFd, ReleaseLetsGoWithoutClosing) {
  int raw = open_null();
  {
    UniqueFd fd(raw);
    EXPECT_EQ(fd.release(), raw);
    EXPECT_FALSE(fd);
  }
  EXPECT_TRUE(is_open(raw));
  UniqueFd again(raw);
  again.reset();
  EXPECT_FALSE(is_open(raw));
}

}  // namespace
}  // namespace nimbus
