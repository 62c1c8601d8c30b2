// Records and WriteBatch: the key-value contract services rely on.
#include <gtest/gtest.h>

#include <cstdint>

#include "storage/scan_bound.h"
#include "storage/storage.h"
#include "storage/test_dir.h"

namespace nimbus::storage {
namespace {

std::unique_ptr<Storage> open_records_at(const std::string& dir) {
  auto s = Storage::open(Options{dir, Durability::kSync});
  EXPECT_TRUE(s.is_ok()) << (s ? "" : s.error().message);
  return s ? std::move(*s) : nullptr;
}

std::vector<std::string> keys_of(const std::vector<Entry>& entries) {
  std::vector<std::string> out;
  for (const Entry& e : entries) out.push_back(e.key);
  return out;
}

TEST(Records, PutGetDelete) {
  testing::TempDir dir;
  auto st = open_records_at(dir.path());
  Records r = st->records("things");
  ASSERT_TRUE(r.put("a", "1"));
  auto got = r.get("a");
  ASSERT_TRUE(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, "1");

  auto missing = r.get("b");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());

  ASSERT_TRUE(r.del("a"));
  EXPECT_FALSE(r.get("a")->has_value());
  ASSERT_TRUE(r.del("never-there"));  // deleting a missing key is fine
}

TEST(Records, BinaryKeysAndValues) {
  testing::TempDir dir;
  auto st = open_records_at(dir.path());
  Records r = st->records("bin");
  std::string key("k\0\xff", 3), value("v\0\x01\x02", 4);
  ASSERT_TRUE(r.put(key, value));
  EXPECT_EQ(**r.get(key), value);
}

TEST(Records, NamespacesAreIsolated) {
  testing::TempDir dir;
  auto st = open_records_at(dir.path());
  // "a" must not see "ab"'s keys even though "ab" starts with "a".
  ASSERT_TRUE(st->records("a").put("x", "from a"));
  ASSERT_TRUE(st->records("ab").put("x", "from ab"));
  ASSERT_TRUE(st->records("ab").put("", "empty key"));
  EXPECT_EQ(**st->records("a").get("x"), "from a");
  EXPECT_EQ(**st->records("ab").get("x"), "from ab");
  auto all_a = st->records("a").scan("", 100);
  ASSERT_TRUE(all_a);
  EXPECT_EQ(keys_of(*all_a), std::vector<std::string>{"x"});
  EXPECT_EQ(keys_of(*st->records("ab").scan("", 100)), (std::vector<std::string>{"", "x"}));
}

TEST(Records, ScanPrefixOrderLimitAndPaging) {
  testing::TempDir dir;
  auto st = open_records_at(dir.path());
  Records r = st->records("q");
  WriteBatch b;
  for (const char* k : {"m/3", "m/1", "n/1", "m/2", "l/9", "m/10"}) b.put("q", k, k);
  ASSERT_TRUE(st->commit_sync(std::move(b)));

  auto all = r.scan("m/", 100);
  ASSERT_TRUE(all);
  EXPECT_EQ(keys_of(*all), (std::vector<std::string>{"m/1", "m/10", "m/2", "m/3"}));
  EXPECT_EQ((*all)[1].value, "m/10");

  auto first = r.scan("m/", 2);
  EXPECT_EQ(keys_of(*first), (std::vector<std::string>{"m/1", "m/10"}));
  auto second = r.scan("m/", 2, first->back().key);
  EXPECT_EQ(keys_of(*second), (std::vector<std::string>{"m/2", "m/3"}));
  auto third = r.scan("m/", 2, second->back().key);
  EXPECT_TRUE(third->empty());

  // start_after before the prefix starts at the prefix; past it yields nothing.
  EXPECT_EQ(r.scan("m/", 1, "a")->front().key, "m/1");
  EXPECT_TRUE(r.scan("m/", 10, "z")->empty());
  EXPECT_TRUE(r.scan("m/", 0)->empty());
  EXPECT_EQ(r.scan("", 100)->size(), 6u);
}

TEST(Records, VisitSeesEntriesInPlaceWithLimitsPagingAndPrefixBoundary) {
  testing::TempDir dir;
  auto st = open_records_at(dir.path());
  Records r = st->records("q");
  WriteBatch b;
  // "m" and "m0" sort next to "m/..." but are outside the prefix "m/";
  // "m/" itself is inside it. Another namespace holds "m/9".
  for (const char* k : {"m/3", "m/1", "n/1", "m/2", "l/9", "m/10", "m", "m0", "m/"}) {
    b.put("q", k, std::string("v:") + k);
  }
  b.put("qq", "m/9", "other namespace");
  b.put("r", "m/9", "other namespace");
  ASSERT_TRUE(st->commit_sync(std::move(b)));

  // Collects copies: the views are valid only during each call.
  auto visit = [&](std::string_view prefix, size_t limit, std::string_view after,
                   size_t stop_after = SIZE_MAX) {
    std::vector<std::string> keys;
    auto n = r.visit(prefix, limit, after, [&](std::string_view k, std::string_view v) {
      EXPECT_EQ(v, "v:" + std::string(k));
      keys.emplace_back(k);
      return keys.size() < stop_after;
    });
    EXPECT_TRUE(n);
    EXPECT_EQ(n ? *n : 0, keys.size());
    return keys;
  };
  using Keys = std::vector<std::string>;
  EXPECT_EQ(visit("m/", 100, ""), (Keys{"m/", "m/1", "m/10", "m/2", "m/3"}));
  // Pages of two, each starting after the last key of the one before.
  EXPECT_EQ(visit("m/", 2, ""), (Keys{"m/", "m/1"}));
  EXPECT_EQ(visit("m/", 2, "m/1"), (Keys{"m/10", "m/2"}));
  EXPECT_EQ(visit("m/", 2, "m/2"), (Keys{"m/3"}));
  EXPECT_TRUE(visit("m/", 2, "m/3").empty());
  // The visitor stops the scan early; a zero limit visits nothing.
  EXPECT_EQ(visit("m/", 100, "", 3), (Keys{"m/", "m/1", "m/10"}));
  EXPECT_TRUE(visit("m/", 0, "").empty());
  // start_after before the prefix starts at it; past it, nothing.
  EXPECT_EQ(visit("m/", 1, "a"), (Keys{"m/"}));
  EXPECT_TRUE(visit("m/", 10, "z").empty());
  // The namespace bounds an empty prefix: "qq" and "r" are not seen.
  EXPECT_EQ(visit("", 100, "").size(), 9u);
  EXPECT_EQ(visit("", 100, "m0"), (Keys{"n/1"}));
  // scan() gives the same entries, copied.
  EXPECT_EQ(keys_of(*r.scan("m", 100)), (Keys{"m", "m/", "m/1", "m/10", "m/2", "m/3", "m0"}));
}

TEST(Records, ScanReverse) {
  testing::TempDir dir;
  auto st = open_records_at(dir.path());
  Records r = st->records("q");
  WriteBatch b;
  for (const char* k : {"m/3", "m/1", "n/1", "m/2", "l/9", "m/10"}) b.put("q", k, k);
  b.put("r", "m/9", "other namespace");
  ASSERT_TRUE(st->commit_sync(std::move(b)));

  EXPECT_EQ(keys_of(*r.scan_reverse("m/", 100)),
            (std::vector<std::string>{"m/3", "m/2", "m/10", "m/1"}));
  auto first = r.scan_reverse("m/", 3);
  EXPECT_EQ(keys_of(*first), (std::vector<std::string>{"m/3", "m/2", "m/10"}));
  EXPECT_EQ(keys_of(*r.scan_reverse("m/", 3, first->back().key)), std::vector<std::string>{"m/1"});
  // start_before past the prefix reads it all; before it, nothing.
  EXPECT_EQ(r.scan_reverse("m/", 1, "z")->front().key, "m/3");
  EXPECT_TRUE(r.scan_reverse("m/", 10, "a")->empty());
  EXPECT_EQ(r.scan_reverse("", 100)->front().key, "n/1");
}

// Deleted keys are walked until compaction drops them: under a ScanBound a
// scan stops with skipped_too_many() instead of walking more than its bound
// before one entry; without one it reads through them. The prefix's end
// stops a scan however many deleted keys follow it.
TEST(Records, ScanBoundStopsAfterSoManyDeletedKeys) {
  testing::TempDir dir;
  auto st = open_records_at(dir.path());
  Records r = st->records("t");
  auto key = [](int i) {
    std::string n = std::to_string(i);
    return std::string(4 - n.size(), '0') + n;
  };
  WriteBatch puts, dels;
  for (int i = 0; i < 500; ++i) {
    puts.put("t", "d/" + key(i), "x");
    dels.del("t", "d/" + key(i));
    puts.put("t", "e/" + key(i), "x");
    dels.del("t", "e/" + key(i));
  }
  puts.put("t", "d/9999", "live");
  puts.put("t", "c/1", "before");
  ASSERT_TRUE(st->commit_sync(std::move(puts)));
  ASSERT_TRUE(st->commit_sync(std::move(dels)));

  {
    ScanBound bound(100);
    auto forward = r.scan("d/", 10);
    ASSERT_FALSE(forward);
    EXPECT_TRUE(skipped_too_many(forward.error()));
    auto reverse = r.scan_reverse("d/", 10, "d/9999");
    ASSERT_FALSE(reverse);
    EXPECT_TRUE(skipped_too_many(reverse.error()));
    // Past "c/1" come d/'s and e/'s deleted keys; the prefix's end is
    // reached without walking them (and so within the bound), backward
    // likewise.
    EXPECT_EQ(keys_of(*r.scan("c/", 10)), std::vector<std::string>{"c/1"});
    EXPECT_EQ(keys_of(*r.scan_reverse("d/9", 10)), std::vector<std::string>{"d/9999"});
    {
      ScanBound wide(10000);
      EXPECT_EQ(keys_of(*r.scan("d/", 10)), std::vector<std::string>{"d/9999"});
    }
    EXPECT_FALSE(r.scan("d/", 10));  // the outer bound again
  }
  EXPECT_EQ(keys_of(*r.scan("d/", 10)), std::vector<std::string>{"d/9999"});
  EXPECT_TRUE(r.scan_reverse("d/", 10, "d/9999")->empty());
}

TEST(Records, EachVisitsEveryEntryAcrossPages) {
  testing::TempDir dir;
  auto st = open_records_at(dir.path());
  Records r = st->records("e");
  WriteBatch b;
  for (int i = 0; i < 10; ++i) b.put("e", "k" + std::to_string(i), std::to_string(i));
  b.put("e", "other", "x");
  ASSERT_TRUE(st->commit_sync(std::move(b)));
  for (size_t page : {1u, 3u, 5u, 10u, 100u}) {  // exact multiples and remainders
    std::vector<std::string> keys;
    ASSERT_TRUE(r.each(
        "k", [&](Entry& e) { keys.push_back(e.key); }, page));
    ASSERT_EQ(keys.size(), 10u) << "page " << page;
    EXPECT_EQ(keys.front(), "k0");
    EXPECT_EQ(keys.back(), "k9");
  }
  size_t all = 0;
  ASSERT_TRUE(r.each("", [&](Entry&) { ++all; }));
  EXPECT_EQ(all, 11u);
}

TEST(Records, BatchIsAtomicAcrossNamespacesAndOrdered) {
  testing::TempDir dir;
  auto st = open_records_at(dir.path());
  ASSERT_TRUE(st->records("queue").put("old", "x"));
  WriteBatch b;
  b.put("queue", "msg1", "hello");
  b.put("queue.index", "msg1", "");
  b.del("queue", "old");
  b.put("queue", "tmp", "1");
  b.del("queue", "tmp");  // later ops in a batch win
  EXPECT_EQ(b.size(), 5u);
  ASSERT_TRUE(st->commit_sync(std::move(b)));
  EXPECT_EQ(**st->records("queue").get("msg1"), "hello");
  EXPECT_TRUE(st->records("queue.index").get("msg1")->has_value());
  EXPECT_FALSE(st->records("queue").get("old")->has_value());
  EXPECT_FALSE(st->records("queue").get("tmp")->has_value());
}

TEST(Records, SurviveReopen) {
  testing::TempDir dir;
  {
    auto st = open_records_at(dir.path());
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(st->records("p").put("k" + std::to_string(i), std::to_string(i)));
    }
    ASSERT_TRUE(st->records("p").del("k5"));
    ASSERT_TRUE(st->close());
  }
  auto st = open_records_at(dir.path());
  EXPECT_EQ(**st->records("p").get("k42"), "42");
  EXPECT_FALSE(st->records("p").get("k5")->has_value());
  EXPECT_EQ(st->records("p").scan("k", 1000)->size(), 99u);
}

TEST(Records, LastAndDeleteRange) {
  testing::TempDir dir;
  auto st = open_records_at(dir.path());
  WriteBatch b;
  for (std::string k : {"a1", "a2", "a3", "b1"}) b.put("r", k, k);
  b.put("s", "a9", "other namespace");
  ASSERT_TRUE(st->commit_sync(std::move(b)));
  Records r = st->records("r");
  EXPECT_EQ((*r.last("a"))->key, "a3");
  EXPECT_EQ((*r.last(""))->key, "b1");
  EXPECT_FALSE(r.last("c")->has_value());
  EXPECT_FALSE(st->records("empty").last("")->has_value());

  WriteBatch d;
  d.del_range("r", "a1", "a3");  // end is exclusive
  ASSERT_TRUE(st->commit_sync(std::move(d)));
  EXPECT_EQ(keys_of(*r.scan("", 10)), (std::vector<std::string>{"a3", "b1"}));
  EXPECT_EQ(**st->records("s").get("a9"), "other namespace");
}

TEST(WriteBatchPartitions, CrossPartitionAndUnnamedBatchesAreCounted) {
  testing::TempDir dir;
  auto st = open_records_at(dir.path());
  WriteBatch one("queue/a");
  one.put("q", "a", "1");
  one.add_partition("queue/a");  // a repeat is one partition
  EXPECT_EQ(one.partitions().size(), 1u);
  WriteBatch two("queue/a");
  two.put("q", "b", "1");
  two.add_partition("queue/dlq");
  WriteBatch none;
  none.put("q", "c", "1");
  ASSERT_TRUE(st->commit_sync(std::move(one)));
  ASSERT_TRUE(st->commit_sync(std::move(two)));
  ASSERT_TRUE(st->commit_sync(std::move(none)));
  Stats s = st->stats();
  EXPECT_EQ(s.commits, 3u);
  EXPECT_EQ(s.cross_partition, 1u);
  EXPECT_EQ(s.unpartitioned, 1u);
}

}  // namespace
}  // namespace nimbus::storage
