// The watcher on real inotify: a burst of saves is one change, new
// subfolders are watched, editors' swap files are not changes.
#include "cli/watch.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "storage/test_dir.h"

namespace nimbus::cli {
namespace {

namespace fs = std::filesystem;

TEST(DeployWatch, BurstsAreOneChangeAndNewFoldersAreWatched) {
  storage::testing::TempDir dir;
  fs::path root(dir.path());
  Watcher w;
  ASSERT_TRUE(w.add(root.string(), true).is_ok());

  // Written before wait(): the events queue up and count all the same.
  std::ofstream(root / "a.py") << "1";
  std::ofstream(root / "a.py.swp") << "swap";
  std::ofstream(root / "b.py") << "2";
  auto changed = w.wait(std::chrono::milliseconds(50));
  ASSERT_TRUE(changed.has_value());
  EXPECT_EQ(*changed, (std::set<std::string>{(root / "a.py").string(), (root / "b.py").string()}));

  fs::create_directories(root / "sub");
  auto made = w.wait(std::chrono::milliseconds(50));
  ASSERT_TRUE(made.has_value());
  EXPECT_TRUE(made->contains((root / "sub").string()));
  std::ofstream(root / "sub" / "c.py") << "3";
  auto nested = w.wait(std::chrono::milliseconds(50));
  ASSERT_TRUE(nested.has_value());
  EXPECT_EQ(*nested, std::set<std::string>{(root / "sub" / "c.py").string()});
}

TEST(DeployWatch, AFolderWatchedTwiceStaysRecursive) {
  // The template's folder (not recursive) is often the code folder too.
  storage::testing::TempDir dir;
  fs::path root(dir.path());
  fs::create_directories(root / "src");
  Watcher w;
  ASSERT_TRUE(w.add(root.string(), false).is_ok());
  ASSERT_TRUE(w.add(root.string(), true).is_ok());
  ASSERT_TRUE(w.add(root.string(), false).is_ok());
  std::ofstream(root / "src" / "app.py") << "1";
  auto changed = w.wait(std::chrono::milliseconds(50));
  ASSERT_TRUE(changed.has_value());
  EXPECT_EQ(*changed, std::set<std::string>{(root / "src" / "app.py").string()});
}

TEST(DeployWatch, AMissingFolderIsAnError) {
  Watcher w;
  EXPECT_FALSE(w.add("/nonexistent/nimbus/folder", true).is_ok());
}

}  // namespace
}  // namespace nimbus::cli
