#include "cli/package.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/json_fields.h"
#include "services/cloudformation/providers/zip.h"

namespace nimbus::cli {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

bool local(const json::value* v) {
  return v != nullptr && v->is_string() && !v->as_string().starts_with("s3://");
}

std::string resolve(const std::string& base_dir, std::string_view p) {
  std::error_code ec;
  fs::path full = fs::path(base_dir) / std::string(p);
  auto canon = fs::weakly_canonical(full, ec);
  std::string out = (ec ? full.lexically_normal() : canon).string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();  // "src/" names the folder
  return out;
}

Result<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return Error::make("PackageError", "cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool on_path(const std::string& tool) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string d; std::getline(dirs, d, ':');) {
    if (!d.empty() && ::access((fs::path(d) / tool).c_str(), X_OK) == 0) return true;
  }
  return false;
}

// Runs `argv` in `cwd` with its output on our stderr; its exit code, or -1.
int run(const std::vector<std::string>& argv, const std::string& cwd) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    // The watcher blocks SIGINT/SIGTERM for its signalfd; the tool must
    // still stop on Ctrl-C.
    sigset_t all;
    sigfillset(&all);
    ::sigprocmask(SIG_UNBLOCK, &all, nullptr);
    if (::chdir(cwd.c_str()) != 0) ::_exit(127);
    ::dup2(2, 1);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A requirements.txt that names at least one requirement.
bool has_requirements(const fs::path& file) {
  auto text = read_file(file);
  if (!text) return false;
  std::stringstream lines(*text);
  for (std::string line; std::getline(lines, line);) {
    auto start = line.find_first_not_of(" \t\r");
    if (start != std::string::npos && line[start] != '#') return true;
  }
  return false;
}

// A package.json with runtime dependencies.
bool has_dependencies(const fs::path& file) {
  auto text = read_file(file);
  if (!text) return false;
  boost::system::error_code ec;
  auto v = json::parse(*text, ec);
  if (ec || !v.is_object()) return false;
  const auto* deps = v.as_object().if_contains("dependencies");
  return deps != nullptr && deps->is_object() && !deps->as_object().empty();
}

using Files = std::map<std::string, services::cloudformation::ZipEntry>;  // by name

// Adds the files under `root` (named from it, under `prefix`), replacing
// files of the same name; __pycache__ and .git are left out.
Status collect(const fs::path& root, const std::string& prefix, Files& files) {
  std::error_code ec;
  fs::recursive_directory_iterator it(root, ec), end;
  if (ec) return Error::make("PackageError", "cannot read " + root.string() + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec)
      return Error::make("PackageError", "cannot read " + root.string() + ": " + ec.message());
    auto name = it->path().filename().string();
    if (it->is_directory() && (name == "__pycache__" || name == ".git")) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    auto body = read_file(it->path());
    if (!body) return body.take_error();
    auto perms = fs::status(it->path()).permissions();
    bool exec = (perms & fs::perms::owner_exec) != fs::perms::none;
    std::string rel = prefix + fs::relative(it->path(), root).generic_string();
    files[rel] = {rel, std::move(*body), exec ? 0755u : 0644u};
  }
  return Status::ok();
}

// Folders of installed dependencies, by what they were installed from
// (the folder and its requirements.txt or package.json), kept while the
// process runs: `--watch` rebuilds a package on every save, and only a
// change of the requirements needs pip or npm again.
class DepsCache {
 public:
  ~DepsCache() {
    std::error_code ec;
    for (const auto& [k, dir] : dirs_) fs::remove_all(dir, ec);
  }
  // The folder for `key`; `fresh` tells whether it was just made (empty).
  Result<fs::path> folder(const std::string& key, bool& fresh) {
    if (auto it = dirs_.find(key); it != dirs_.end()) {
      fresh = false;
      return it->second;
    }
    std::string tmpl = (fs::temp_directory_path() / "nimbus-deps-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      return Error::make("PackageError", "cannot make a build folder in /tmp");
    }
    fresh = true;
    return dirs_[key] = tmpl;
  }
  void forget(const std::string& key) {
    std::error_code ec;
    if (auto it = dirs_.find(key); it != dirs_.end()) fs::remove_all(it->second, ec);
    dirs_.erase(key);
  }

 private:
  std::map<std::string, fs::path> dirs_;
};

DepsCache& deps_cache() {
  static DepsCache cache;
  return cache;
}

// `pip install -r requirements.txt -t DIR`, run from the folder itself so
// relative paths in requirements.txt hold.
Result<fs::path> pip_deps(const fs::path& dir, const std::string& pip, std::ostream& log) {
  auto req = read_file(dir / "requirements.txt");
  if (!req) return req.take_error();
  std::string key = "pip\n" + dir.string() + "\n" + *req;
  bool fresh = false;
  auto out = deps_cache().folder(key, fresh);
  if (!out || !fresh) return out;
  log << "pip install -r requirements.txt (" << dir.string() << ")\n";
  int rc = run({pip, "install", "-r", "requirements.txt", "-t", out->string(),
                "--disable-pip-version-check", "--no-input", "-q"},
               dir.string());
  if (rc != 0) {
    deps_cache().forget(key);
    return Error::make("PackageError", "pip install -r " + (dir / "requirements.txt").string() +
                                           " failed (exit " + std::to_string(rc) + ")");
  }
  return out;
}

// `npm install --omit=dev` on a copy of package.json (and its lock file).
Result<fs::path> npm_deps(const fs::path& dir, std::ostream& log) {
  auto manifest = read_file(dir / "package.json");
  if (!manifest) return manifest.take_error();
  auto lock = read_file(dir / "package-lock.json");
  std::string key = "npm\n" + dir.string() + "\n" + *manifest + "\n" + (lock ? *lock : "");
  bool fresh = false;
  auto out = deps_cache().folder(key, fresh);
  if (!out || !fresh) return out;
  std::error_code ec;
  fs::copy_file(dir / "package.json", *out / "package.json", ec);
  if (lock) fs::copy_file(dir / "package-lock.json", *out / "package-lock.json", ec);
  log << "npm install --omit=dev (" << dir.string() << ")\n";
  int rc = run({"npm", "install", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"},
               out->string());
  if (rc != 0) {
    deps_cache().forget(key);
    return Error::make("PackageError", "npm install --omit=dev for " + dir.string() +
                                           " failed (exit " + std::to_string(rc) + ")");
  }
  return out;
}

Result<std::string> zip_of(const Files& files, const fs::path& dir) {
  if (files.empty()) return Error::make("PackageError", dir.string() + " has no files to deploy");
  std::vector<services::cloudformation::ZipEntry> entries;
  for (const auto& [name, f] : files) entries.push_back(f);
  return services::cloudformation::zip_files(entries);
}

Result<std::string> package_folder(const fs::path& dir, std::ostream& log) {
  bool pip = fs::exists(dir / "requirements.txt") && has_requirements(dir / "requirements.txt");
  bool npm = fs::exists(dir / "package.json") && has_dependencies(dir / "package.json");
  std::string pip_tool = on_path("pip") ? "pip" : on_path("pip3") ? "pip3" : "";
  if (pip && pip_tool.empty()) {
    log << "pip is not on PATH: " << dir.string() << " is packaged without its requirements\n";
    pip = false;
  }
  if (npm && !on_path("npm")) {
    log << "npm is not on PATH: " << dir.string() << " is packaged with node_modules as is\n";
    npm = false;
  }
  Files files;
  // Dependencies first: the folder's own files win over an installed file
  // of the same name, and npm's node_modules over one left in the folder.
  if (pip) {
    auto deps = pip_deps(dir, pip_tool, log);
    if (!deps) return deps.take_error();
    NIMBUS_TRY(collect(*deps, "", files));
  }
  NIMBUS_TRY(collect(dir, "", files));
  if (npm) {
    auto deps = npm_deps(dir, log);
    if (!deps) return deps.take_error();
    std::erase_if(files, [](const auto& f) { return f.first.starts_with("node_modules/"); });
    NIMBUS_TRY(collect(*deps / "node_modules", "node_modules/", files));
  }
  return zip_of(files, dir);
}

}  // namespace

std::vector<CodeAsset> local_code(const json::object& tmpl, const std::string& base_dir) {
  std::vector<CodeAsset> out;
  std::vector<std::string> inheritors;
  if (const auto* rs = tmpl.if_contains("Resources"); rs && rs->is_object()) {
    for (const auto& [id, r] : rs->as_object()) {
      if (!r.is_object()) continue;
      std::string type = str(r.as_object(), "Type");
      const auto* p = r.as_object().if_contains("Properties");
      const json::object empty;
      const auto& props = p && p->is_object() ? p->as_object() : empty;
      if (type == "AWS::Serverless::Function") {
        const auto* uri = props.if_contains("CodeUri");
        if (local(uri)) {
          out.push_back({CodeAsset::Where::kServerlessCodeUri,
                         std::string(id),
                         resolve(base_dir, uri->as_string()),
                         {std::string(id)}});
        } else if (uri == nullptr && !props.contains("InlineCode") &&
                   str(props, "PackageType") != "Image") {
          inheritors.emplace_back(id);
        }
      } else if (type == "AWS::Lambda::Function") {
        const auto* code = props.if_contains("Code");
        if (local(code)) {
          out.push_back({CodeAsset::Where::kLambdaCode,
                         std::string(id),
                         resolve(base_dir, code->as_string()),
                         {std::string(id)}});
        }
      } else if (type == "AWS::Serverless::LayerVersion" || type == "AWS::Lambda::LayerVersion") {
        bool sam = type == "AWS::Serverless::LayerVersion";
        const auto* content = props.if_contains(sam ? "ContentUri" : "Content");
        if (local(content)) {
          out.push_back({sam ? CodeAsset::Where::kLayerContentUri : CodeAsset::Where::kLayerContent,
                         std::string(id),
                         resolve(base_dir, content->as_string()),
                         {}});
        }
      }
    }
  }
  const auto* g = tmpl.if_contains("Globals");
  const auto* f = g && g->is_object() ? g->as_object().if_contains("Function") : nullptr;
  const auto* uri = f && f->is_object() ? f->as_object().if_contains("CodeUri") : nullptr;
  if (local(uri)) {
    out.push_back({CodeAsset::Where::kGlobalsCodeUri, "", resolve(base_dir, uri->as_string()),
                   std::move(inheritors)});
  }
  return out;
}

void point_at(json::object& tmpl, const CodeAsset& asset, const std::string& bucket,
              const std::string& key) {
  std::string uri = "s3://" + bucket + "/" + key;
  if (asset.where == CodeAsset::Where::kGlobalsCodeUri) {
    tmpl["Globals"].as_object()["Function"].as_object()["CodeUri"] = uri;
    return;
  }
  auto& props =
      tmpl["Resources"].as_object()[asset.logical_id].as_object()["Properties"].as_object();
  if (asset.where == CodeAsset::Where::kServerlessCodeUri) {
    props["CodeUri"] = uri;
  } else if (asset.where == CodeAsset::Where::kLayerContentUri) {
    props["ContentUri"] = uri;
  } else if (asset.where == CodeAsset::Where::kLayerContent) {
    props["Content"] = json::object{{"S3Bucket", bucket}, {"S3Key", key}};
  } else {
    props["Code"] = json::object{{"S3Bucket", bucket}, {"S3Key", key}};
  }
}

Result<std::string> build_package(const std::string& path, std::ostream& log) {
  std::error_code ec;
  fs::path p(path);
  if (fs::is_directory(p, ec)) return package_folder(p, log);
  if (!fs::is_regular_file(p, ec)) {
    return Error::make("PackageError", "code location " + path + " does not exist");
  }
  auto body = read_file(p);
  if (!body) return body.take_error();
  if (p.extension() == ".zip" || p.extension() == ".jar") return body;
  return services::cloudformation::zip_files({{p.filename().string(), std::move(*body), 0644}});
}

}  // namespace nimbus::cli
