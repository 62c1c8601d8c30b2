// BlobStore: write, read, range read, delete, and no temporaries left behind.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/thread_role.h"
#include "storage/blob_files.h"
#include "storage/storage.h"
#include "storage/test_dir.h"

namespace nimbus::storage {
namespace {

std::unique_ptr<Storage> open_blobs_at(const std::string& dir) {
  auto s = Storage::open(Options{dir, Durability::kSync});
  EXPECT_TRUE(s.is_ok()) << (s ? "" : s.error().message);
  return s ? std::move(*s) : nullptr;
}

TEST(Blobs, WriteReadRangeDelete) {
  testing::TempDir dir;
  auto st = open_blobs_at(dir.path());
  BlobStore& blobs = st->blobs();
  auto info = blobs.write("hello, blob world");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->size, 17u);
  EXPECT_EQ(info->id.size(), 32u);

  EXPECT_EQ(*blobs.read(info->id), "hello, blob world");
  EXPECT_EQ(*blobs.size(info->id), 17u);
  EXPECT_EQ(*blobs.read_range(info->id, 7, 4), "blob");
  EXPECT_EQ(*blobs.read_range(info->id, 12, 100), "world");  // clipped at the end
  EXPECT_EQ(*blobs.read_range(info->id, 17, 5), "");
  EXPECT_EQ(*blobs.read_range(info->id, 1000, 5), "");

  ASSERT_TRUE(blobs.remove(info->id));
  auto gone = blobs.read(info->id);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, "NoSuchBlob");
  EXPECT_FALSE(blobs.size(info->id));
  EXPECT_TRUE(blobs.remove(info->id));  // idempotent
  EXPECT_EQ(blobs.temp_files(), 0u);
}

TEST(Blobs, EveryWriteGetsItsOwnId) {
  testing::TempDir dir;
  auto st = open_blobs_at(dir.path());
  auto a = st->blobs().write("same");
  auto b = st->blobs().write("same");
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->id, b->id);
  EXPECT_EQ(*st->blobs().read(b->id), "same");
}

TEST(Blobs, ListAndPathNameCommittedBlobsOnly) {
  testing::TempDir dir;
  auto st = open_blobs_at(dir.path());
  auto a = st->blobs().write("a");
  auto b = st->blobs().write("b");
  auto pending = st->blobs().create();  // not committed: not listed
  ASSERT_TRUE(a && b && pending);
  ASSERT_TRUE(pending->append("x"));
  auto ids = list_blobs(dir.path() + "/blobs");
  ASSERT_TRUE(ids);
  std::sort(ids->begin(), ids->end());
  std::vector<std::string> want{a->id, b->id};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(*ids, want);
  auto path = blob_path(dir.path() + "/blobs", a->id);
  ASSERT_TRUE(path);
  std::ifstream in(*path);
  std::string text;
  in >> text;
  EXPECT_EQ(text, "a");
  EXPECT_FALSE(blob_path(dir.path() + "/blobs", "../etc/passwd"));
}

TEST(Blobs, NewIdsAreFreshAndKeepTheirPrefix) {
  auto a = new_blob_id();
  auto b = new_blob_id("7f");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 32u);
  EXPECT_EQ(b->size(), 32u);
  EXPECT_EQ(b->substr(0, 2), "7f");
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(blob_path("/r", *b));
}

TEST(Blobs, StreamedWritesAndEmptyBlob) {
  testing::TempDir dir;
  auto st = open_blobs_at(dir.path());
  std::string big;
  for (int i = 0; i < 300000; ++i) big.push_back(static_cast<char>(i * 7));
  std::istringstream in(big);
  auto info = st->blobs().write(in);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->size, big.size());
  EXPECT_EQ(*st->blobs().read(info->id), big);
  EXPECT_EQ(*st->blobs().read_range(info->id, 100000, 3), big.substr(100000, 3));

  auto writer = st->blobs().create();
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->append("part1-"));
  ASSERT_TRUE(writer->append("part2"));
  EXPECT_EQ(st->blobs().temp_files(), 1u);
  auto parts = writer->commit();
  ASSERT_TRUE(parts);
  EXPECT_EQ(*st->blobs().read(parts->id), "part1-part2");
  EXPECT_FALSE(writer->append("late").is_ok());

  auto empty = st->blobs().write("");
  ASSERT_TRUE(empty);
  EXPECT_EQ(*st->blobs().read(empty->id), "");
  EXPECT_EQ(st->blobs().temp_files(), 0u);
}

TEST(Blobs, AbandonedWriterLeavesNothing) {
  testing::TempDir dir;
  auto st = open_blobs_at(dir.path());
  std::string id;
  {
    auto writer = st->blobs().create();
    ASSERT_TRUE(writer);
    id = writer->id();
    ASSERT_TRUE(writer->append("never committed"));
  }
  EXPECT_EQ(st->blobs().temp_files(), 0u);
  EXPECT_FALSE(st->blobs().read(id));
}

TEST(Blobs, InvalidIdsAreMissingNotPaths) {
  testing::TempDir dir;
  auto st = open_blobs_at(dir.path());
  for (const char* id : {"", "../../etc/passwd", "ABCDEF0123456789ABCDEF0123456789"}) {
    auto r = st->blobs().read(id);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "NoSuchBlob");
  }
}

TEST(Blobs, SurviveReopenAndCrashTemporariesAreSwept) {
  testing::TempDir dir;
  std::string id;
  {
    auto st = open_blobs_at(dir.path());
    id = st->blobs().write("kept")->id;
  }
  std::ofstream(dir.path() + "/blobs/tmp/0123456789abcdef0123456789abcdef") << "half";
  auto st = open_blobs_at(dir.path());
  EXPECT_EQ(*st->blobs().read(id), "kept");
  EXPECT_EQ(st->blobs().temp_files(), 0u);
}

#ifndef NDEBUG
TEST(BlobsDeathTest, WritingOnAnEventLoopAborts) {
  testing::TempDir dir;
  auto st = open_blobs_at(dir.path());
  EXPECT_DEATH(
      {
        set_thread_role(ThreadRole::kEventLoop);
        (void)st->blobs().write("x");
      },
      "BlobStore::create called on the event loop thread");
}
#endif

}  // namespace
}  // namespace nimbus::storage
