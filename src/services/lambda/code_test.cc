// Unpacked code is shared by content and removed once nothing references it.
#include <filesystem>
#include <thread>

#include "services/lambda/code.h"
#include "services/lambda/test_helpers.h"
#include "storage/storage.h"

namespace nimbus::services::lambda::testing {
namespace {

namespace fs = std::filesystem;

const char* kOne = "def handler(e, c):\n  return 1\n";
const char* kTwo = "def handler(e, c):\n  return 2\n";

// The code directories currently under the service's code root.
std::set<std::string> code_dirs(const std::string& data_dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(data_dir + "/lambda/code", ec)) {
    out.insert(e.path().filename().string());
  }
  return out;
}

// Collection runs on a timer and a worker: wait until the set settles at `n`.
bool wait_for_count(const std::string& data_dir, size_t n, int tries = 200) {
  for (int i = 0; i < tries; ++i) {
    if (code_dirs(data_dir).size() == n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// A Storage and a CodeStore on it in a temporary directory.
struct StoreFixture {
  StoreFixture() { open(); }
  ~StoreFixture() {
    code.reset();
    if (storage) (void)storage->close();
  }
  void open() {
    auto s = storage::Storage::open(storage::Options{dir.path(), storage::Durability::kSync});
    EXPECT_TRUE(s.is_ok()) << s.error().message;
    storage = std::move(*s);
    code = std::make_shared<CodeStore>(dir.path() + "/code", storage.get());
    EXPECT_TRUE(code->recover());
  }
  void reopen() {
    code.reset();
    ASSERT_TRUE(storage->close());
    storage.reset();
    open();
  }
  std::optional<std::string> record(const std::string& sha) {
    auto r = storage->records("lambda.code").get(sha);
    return r ? *r : std::nullopt;
  }
  storage::testing::TempDir dir;
  std::unique_ptr<storage::Storage> storage;
  std::shared_ptr<CodeStore> code;
};

TEST(CodeStore, PinsAndRecentReleasesSurviveCollection) {
  StoreFixture t;
  auto& store = *t.code;
  uint64_t before = store.epoch();
  auto a = store.install(python_zip(kOne));
  ASSERT_TRUE(a.is_ok()) << a.error().message;
  std::string sha = a->info.sha256_hex;
  std::string path = store.dir_of(sha);
  std::string blob = store.blob_of(sha);
  ASSERT_FALSE(blob.empty());
  EXPECT_TRUE(t.storage->blobs().size(blob).is_ok());
  EXPECT_TRUE(t.record(sha).has_value());
  fs::create_directories(t.dir.path() + "/code/.tmp-left-by-a-crash");

  // Pinned: kept even with no references and an old epoch.
  EXPECT_EQ(store.collect({}, before), 1u);  // only the temporary directory goes
  EXPECT_TRUE(fs::exists(path));
  EXPECT_FALSE(fs::exists(t.dir.path() + "/code/.tmp-left-by-a-crash"));

  // Released after the snapshot's epoch: kept (the version may have been
  // registered after the caller read its references).
  uint64_t snapshot = store.epoch();
  a->pin = CodeStore::Pin();
  EXPECT_EQ(store.collect({}, snapshot), 0u);
  EXPECT_TRUE(fs::exists(path));

  // Referenced: kept. Unreferenced with a fresh epoch: cache, blob and record removed.
  EXPECT_EQ(store.collect({sha}, store.epoch()), 0u);
  EXPECT_TRUE(fs::exists(path));
  EXPECT_EQ(store.collect({}, store.epoch()), 1u);
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(t.storage->blobs().size(blob).is_ok());
  EXPECT_FALSE(t.record(sha).has_value());
}

TEST(CodeStore, TheCacheIsRebuiltFromTheBlob) {
  StoreFixture t;
  auto a = t.code->install(python_zip(kOne));
  ASSERT_TRUE(a.is_ok()) << a.error().message;
  std::string sha = a->info.sha256_hex;
  a->pin = CodeStore::Pin();
  t.reopen();
  fs::permissions(t.code->dir_of(sha), fs::perms::owner_all);
  fs::remove_all(t.code->dir_of(sha));
  EXPECT_FALSE(t.code->cached(sha));
  ASSERT_TRUE(t.code->ensure(sha));
  EXPECT_TRUE(t.code->cached(sha));
  EXPECT_TRUE(fs::exists(t.code->dir_of(sha) + "/app.py"));
  auto missing = t.code->ensure(std::string(64, '0'));
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.error().code, "ServiceException");
  // The same content again reuses the stored blob.
  std::string blob = t.code->blob_of(sha);
  auto again = t.code->install(python_zip(kOne));
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(t.code->blob_of(sha), blob);
}

TEST(CodeStore, ARecordWhoseBlobNeverLandedIsCollected) {
  // What a crash between the record's commit and the blob's leaves behind.
  StoreFixture t;
  std::string sha(64, 'a');
  storage::WriteBatch batch;
  batch.put("lambda.code", sha, R"({"blob":"0123456789abcdef0123456789abcdef","size":3})");
  ASSERT_TRUE(t.storage->commit_sync(std::move(batch)));
  t.reopen();
  EXPECT_EQ(t.code->blob_of(sha), "");
  EXPECT_FALSE(t.code->ensure(sha).is_ok());
  EXPECT_EQ(t.code->collect({}, t.code->epoch()), 1u);
  EXPECT_FALSE(t.record(sha).has_value());
}

class CodeCollection : public LambdaTest {
 protected:
  void SetUp() override {
    LambdaOptions o;
    o.code_gc_delay_ms = 0;
    set_options(o);
    LambdaTest::SetUp();
  }
};

TEST_F(CodeCollection, DeleteRemovesCodeNoFunctionUses) {
  create("a", python_zip(kOne));
  create("b", python_zip(kOne));  // same content: one directory
  create("c", python_zip(kTwo));
  ASSERT_EQ(code_dirs(settings.data_dir).size(), 2u);

  call("DeleteFunction", {{"FunctionName", "a"}});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(code_dirs(settings.data_dir).size(), 2u) << "b still uses the code";

  call("DeleteFunction", {{"FunctionName", "b"}});
  EXPECT_TRUE(wait_for_count(settings.data_dir, 1));
  auto r = call("Invoke", {{"FunctionName", "c"}, {"Payload", "{}"}});
  EXPECT_EQ(s(r["Payload"]), "2");
}

TEST_F(CodeCollection, PublishedVersionsKeepTheirCode) {
  create("f", python_zip(kOne));
  call("PublishVersion", {{"FunctionName", "f"}});
  call("UpdateFunctionCode", {{"FunctionName", "f"}, {"ZipFile", python_zip(kTwo)}});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(code_dirs(settings.data_dir).size(), 2u) << "version 1 runs the old code";
  auto v1 = call("Invoke", {{"FunctionName", "f"}, {"Qualifier", "1"}, {"Payload", "{}"}});
  EXPECT_EQ(s(v1["Payload"]), "1");

  call("DeleteFunction", {{"FunctionName", "f"}, {"Qualifier", "1"}});
  EXPECT_TRUE(wait_for_count(settings.data_dir, 1));
  auto latest = call("Invoke", {{"FunctionName", "f"}, {"Payload", "{}"}});
  EXPECT_EQ(s(latest["Payload"]), "2");
}

TEST_F(CodeCollection, DeletedCacheIsRebuiltFromTheBlob) {
  create("f", python_zip(kOne));
  call("PublishVersion", {{"FunctionName", "f"}});
  reopen();
  // A node that lost its cache (or never had it): every tree comes back
  // from the function's blob at its first invocation.
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(settings.data_dir + "/lambda/code", ec)) {
    if (e.is_directory()) fs::permissions(e.path(), fs::perms::owner_all, ec);
  }
  fs::remove_all(settings.data_dir + "/lambda/code");
  auto r = call("Invoke", {{"FunctionName", "f"}, {"Qualifier", "1"}, {"Payload", "{}"}});
  EXPECT_EQ(s(r["Payload"]), "1");
  EXPECT_EQ(code_dirs(settings.data_dir).size(), 1u);
}

class CodeCollectionDelay : public LambdaTest {
 protected:
  void SetUp() override {
    LambdaOptions o;
    o.code_gc_delay_ms = 2'000;
    set_options(o);
    LambdaTest::SetUp();
  }
};

TEST_F(CodeCollectionDelay, EachReleaseWaitsOutItsOwnDelay) {
  // A collection scheduled by an earlier delete must not take code a later
  // update released a moment before it fires: an environment may still run it.
  create("a", python_zip(kOne));
  create("b", python_zip(kTwo));
  call("DeleteFunction", {{"FunctionName", "a"}});  // collection 1 at +2 s
  std::this_thread::sleep_for(std::chrono::milliseconds(1'000));
  call("UpdateFunctionCode",  // releases kTwo's directory; collection 2 at +3 s
       {{"FunctionName", "b"}, {"ZipFile", python_zip("def handler(e, c):\n  return 3\n")}});
  ASSERT_EQ(code_dirs(settings.data_dir).size(), 3u);
  // Collection 1 removes a's code only; kTwo's waits for collection 2.
  ASSERT_TRUE(wait_for_count(settings.data_dir, 2, 400));
  EXPECT_TRUE(wait_for_count(settings.data_dir, 1, 400));
}

TEST_F(CodeCollection, RestartRemovesCodeOfFunctionsDeletedBefore) {
  create("a", python_zip(kOne));
  LambdaOptions slow;
  slow.code_gc_delay_ms = 3'600'000;
  reopen_with(slow);
  // Let the start-up collection (a timer of 0 ms, then a worker) pass first:
  // had it read the references after the delete, it would rightly remove
  // the code at once.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  call("DeleteFunction", {{"FunctionName", "a"}});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(code_dirs(settings.data_dir).size(), 1u) << "collection waits for the delay";
  reopen_with(slow);  // start-up collects at once
  EXPECT_TRUE(wait_for_count(settings.data_dir, 0));
}

}  // namespace
}  // namespace nimbus::services::lambda::testing
