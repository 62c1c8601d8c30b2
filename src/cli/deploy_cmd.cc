// `nimbus deploy TEMPLATE [--stack-name N] [--parameter-overrides K=V ...]
// [--s3-bucket B] [--watch]`: `sam build` + `sam deploy` in one step. Local
// code is packaged (package.h), uploaded to the deploy bucket under its
// digest (upload.h), the template pointed at it, and the stack created or
// updated through a change set with its events shown live (stack.h).
// --watch then redeploys on saves: code-only changes go straight to
// UpdateFunctionCode (no stack update), anything else through a new change
// set (watch.h).
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <string_view>
#include <vector>

#include "auth/crypto.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cli/package.h"
#include "cli/stack.h"
#include "cli/upload.h"
#include "cli/watch.h"
#include "common/encoding.h"
#include "services/cloudformation/template/document.h"

namespace nimbus::cli {

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

struct DeployOptions {
  std::string template_path;
  std::string stack_name;
  std::vector<std::string> overrides;
  std::string bucket;
  bool watch = false;
  std::string endpoint;
};

// A template read, its local code packaged and uploaded, and it pointed at
// the uploads.
struct Prepared {
  std::string body;  // the template to deploy (JSON)
  std::set<std::string> declared;
  std::set<std::string> resources;  // the template's logical ids
  std::vector<CodeAsset> assets;
  std::map<std::string, std::string> digests;  // asset path -> digest of its package
};

std::string digest(std::string_view zip) {
  return auth::crypto::sha256_hex(zip);
}

// A stack name from the template's folder ("examples/webapp/template.yaml"
// deploys stack "webapp").
std::string default_stack_name(const fs::path& tmpl) {
  std::string base = fs::absolute(tmpl).parent_path().filename().string();
  std::string out;
  for (char c : base) {
    out += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  }
  if (out.empty() || !std::isalpha(static_cast<unsigned char>(out[0]))) out = "nimbus-" + out;
  return out.substr(0, 128);
}

Result<Prepared> prepare(Client& c, const fs::path& tmpl_path, const std::string& bucket,
                         std::ostream& log) {
  std::ifstream in(tmpl_path, std::ios::binary);
  if (!in) return Error::make("TemplateError", "cannot read " + tmpl_path.string());
  std::stringstream text;
  text << in.rdbuf();
  auto doc = cfn::parse_document(text.str());
  if (!doc) return Error::make("TemplateError", tmpl_path.string() + ": " + doc.error().message);
  if (!doc->is_object()) return Error::make("TemplateError", tmpl_path.string() + " is not a map");
  json::object tmpl = std::move(doc->as_object());

  Prepared out;
  out.assets = local_code(tmpl, fs::absolute(tmpl_path).parent_path().string());
  for (const auto& a : out.assets) {
    auto zip = build_package(a.path, log);
    if (!zip) return zip.take_error();
    std::string d = digest(*zip);
    std::string key = d + ".zip";
    auto sent = upload_once(c, bucket, key, std::move(*zip));
    if (!sent) {
      return Error::make(sent.error().code, "uploading " + a.path + " to s3://" + bucket + ": " +
                                                sent.error().message);
    }
    log << (*sent ? "Uploaded " : "Unchanged ") << a.path << " -> s3://" << bucket << "/" << key
        << "\n";
    point_at(tmpl, a, bucket, key);
    out.digests[a.path] = d;
  }
  if (const auto* ps = tmpl.if_contains("Parameters"); ps && ps->is_object()) {
    for (const auto& [k, v] : ps->as_object()) out.declared.insert(std::string(k));
  }
  if (const auto* rs = tmpl.if_contains("Resources"); rs && rs->is_object()) {
    for (const auto& [k, v] : rs->as_object()) out.resources.insert(std::string(k));
  }
  out.body = json::serialize(tmpl);
  return out;
}

Status update_code(Client& c, const std::string& function, const std::string& zip) {
  http::Request req;
  req.method = "PUT";
  req.target = "/2015-03-31/functions/" + percent_encode(function) + "/code";
  req.headers.emplace_back("content-type", "application/json");
  req.body = json::serialize(json::object{{"ZipFile", base64_encode(zip)}});
  auto res = c.send(std::move(req), "lambda");
  if (!res) return res.take_error();
  if (res->status != 200) return error_from_json(res->status, *res);
  return Status::ok();
}

// The template's lines, to say where a name is.
std::vector<std::string> template_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(std::move(line));
  return out;
}

// Whether `line` opens the key `id` (a YAML key or a JSON member at any
// indentation).
bool opens_key(std::string_view line, std::string_view id) {
  auto start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos) return false;
  std::string_view rest = line.substr(start);
  if (rest.size() > id.size() + 1 && rest[0] == '"' && rest.substr(1, id.size()) == id &&
      rest[id.size() + 1] == '"') {
    rest.remove_prefix(id.size() + 2);
  } else if (rest.starts_with(id)) {
    rest.remove_prefix(id.size());
  } else {
    return false;
  }
  auto colon = rest.find_first_not_of(" \t");
  return colon != std::string_view::npos && rest[colon] == ':';
}

// Whether `line` names `word` whole (`!Ref Gone`, `${Gone.Arn}`, `Type:
// AWS::X::Y`) outside a comment.
bool names_word(std::string_view line, std::string_view word) {
  auto is_name_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
  };
  auto comment = line.find_first_not_of(" \t");
  if (comment != std::string_view::npos && line[comment] == '#') return false;
  for (size_t at = line.find(word); at != std::string_view::npos; at = line.find(word, at + 1)) {
    bool starts = at == 0 || !is_name_char(line[at - 1]);
    size_t end = at + word.size();
    bool ends = end == line.size() || !is_name_char(line[end]);
    if (starts && ends) return true;
  }
  return false;
}

// "template.yaml line N" for the line that declares `id` in the template;
// for a resource the SAM transform made from one (PyFnRole from PyFn),
// "from PyFn, template.yaml line N"; else the first line that names it;
// else "".
std::string locate(const std::string& path, const std::set<std::string>& resources,
                   const std::string& id) {
  if (id.empty()) return "";
  auto lines = template_lines(path);
  std::string file = fs::path(path).filename().string();
  auto first = [&](auto&& match) -> size_t {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (match(lines[i])) return i + 1;
    }
    return 0;
  };
  auto at = [&](size_t n) { return file + " line " + std::to_string(n); };
  if (size_t n = first([&](std::string_view l) { return opens_key(l, id); })) return at(n);
  for (size_t len = id.size() - 1; len > 0; --len) {
    std::string prefix = id.substr(0, len);
    if (!resources.contains(prefix)) continue;
    if (size_t n = first([&](std::string_view l) { return opens_key(l, prefix); })) {
      return "from " + prefix + ", " + at(n);
    }
  }
  if (size_t n = first([&](std::string_view l) { return names_word(l, id); })) return at(n);
  return "";
}

bool under(const std::string& path, const std::string& root) {
  return path == root || path.starts_with(root + "/");
}

class Deployer {
 public:
  explicit Deployer(const DeployOptions& o) : o_(o), client_(o.endpoint) {}

  int run() {
    tmpl_ = fs::weakly_canonical(fs::absolute(o_.template_path)).string();
    stack_ = o_.stack_name.empty() ? default_stack_name(tmpl_) : o_.stack_name;
    for (const auto& kv : o_.overrides) {
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        return fail("--parameter-overrides takes Key=Value pairs, not '" + kv + "'");
      }
      overrides_.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
    bucket_ = o_.bucket;
    if (bucket_.empty()) {
      auto account = account_id(client_);
      if (!account) return fail(account.error().message);
      bucket_ = "nimbus-deploy-" + *account + "-" + client_.region();
    }
    if (auto st = ensure_bucket(client_, bucket_); !st) {
      return fail("deploy bucket " + bucket_ + ": " + st.error().message);
    }
    int rc = full_deploy();
    if (!o_.watch) return rc;
    return watch();
  }

 private:
  int fail(const std::string& why) {
    std::cerr << "nimbus deploy: " << why << "\n";
    return 1;
  }

  int full_deploy() {
    auto p = prepare(client_, tmpl_, bucket_, std::cout);
    if (!p) return fail(p.error().message);
    prepared_ = std::move(*p);
    resources_.clear();
    auto where = [path = tmpl_, ids = prepared_.resources](const std::string& id) {
      return locate(path, ids, id);
    };
    int rc = deploy_stack(client_, {stack_, prepared_.body, overrides_, prepared_.declared, where},
                          std::cout, std::cerr);
    std::cout << std::flush;
    return rc;
  }

  int watch() {
    Watcher w;
    if (auto st = w.add(fs::path(tmpl_).parent_path().string(), false); !st) {
      return fail(st.error().message);
    }
    for (const auto& a : prepared_.assets) {
      bool dir = fs::is_directory(a.path);
      auto st = w.add(dir ? a.path : fs::path(a.path).parent_path().string(), dir);
      if (!st) return fail(st.error().message);
    }
    std::cout << "Watching " << tmpl_ << " and its code for changes (Ctrl-C to stop)\n"
              << std::flush;
    for (;;) {
      // An editor's save (write, or write and rename) is over in a few
      // milliseconds; 50 ms of quiet still makes a burst of saves one
      // change, and the wait is part of every code update's latency.
      auto changed = w.wait(std::chrono::milliseconds(50));
      if (!changed) return 0;
      auto start = std::chrono::steady_clock::now();
      if (changed->contains(tmpl_)) {
        std::cout << "Template changed: deploying stack " << stack_ << "\n" << std::flush;
        full_deploy();
        // Folders the new template names are watched from now on.
        for (const auto& a : prepared_.assets) {
          bool dir = fs::is_directory(a.path);
          (void)w.add(dir ? a.path : fs::path(a.path).parent_path().string(), dir);
        }
        continue;
      }
      for (const auto& a : prepared_.assets) {
        bool touched = false;
        for (const auto& path : *changed) touched = touched || under(path, a.path);
        if (touched) update_asset(a, start);
      }
    }
  }

  // A code-only change: the functions that run `a` get its new package
  // straight through UpdateFunctionCode.
  void update_asset(const CodeAsset& a, std::chrono::steady_clock::time_point start) {
    auto zip = build_package(a.path, std::cout);
    if (!zip) {
      std::cerr << "nimbus deploy: " << zip.error().message << "\n";
      return;
    }
    std::string d = digest(*zip);
    if (prepared_.digests[a.path] == d) return;  // saved without a change
    if (a.layer()) {
      // A layer's new content is a new layer version: a stack update.
      std::cout << "Layer " << a.logical_id << " changed: deploying stack " << stack_ << "\n"
                << std::flush;
      full_deploy();
      return;
    }
    if (resources_.empty()) {
      auto r = stack_resources(client_, stack_);
      if (!r) {
        std::cerr << "nimbus deploy: " << r.error().message << "\n";
        return;
      }
      resources_ = std::move(*r);
    }
    bool all = true;
    for (const auto& id : a.functions) {
      auto it = resources_.find(id);
      if (it == resources_.end()) continue;  // not deployed (a condition left it out)
      if (auto st = update_code(client_, it->second, *zip); !st) {
        std::cerr << "nimbus deploy: updating the code of " << it->second << ": " << st.error().code
                  << ": " << st.error().message << "\n";
        all = false;
        continue;
      }
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
      std::cout << "Updated code of " << id << " (" << it->second << ") in " << ms << " ms\n"
                << std::flush;
    }
    if (all) prepared_.digests[a.path] = d;
  }

  const DeployOptions& o_;
  Client client_;
  std::string tmpl_, stack_, bucket_;
  std::vector<std::pair<std::string, std::string>> overrides_;
  Prepared prepared_;
  std::map<std::string, std::string> resources_;  // logical -> physical id, read when needed
};

}  // namespace

std::pair<CLI::App*, Run> add_deploy_command(CLI::App& cli) {
  auto o = std::make_shared<DeployOptions>();
  auto* cmd = cli.add_subcommand(
      "deploy",
      "package a SAM / CloudFormation template's local code, upload it and create or update "
      "the stack");
  cmd->add_option("template", o->template_path, "the template (YAML or JSON)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--stack-name", o->stack_name,
                  "the stack to create or update (default: the template's folder name)");
  cmd->add_option("--parameter-overrides", o->overrides, "template parameters, as Key=Value")
      ->expected(1, -1);
  cmd->add_option("--s3-bucket", o->bucket,
                  "where packages go (default: nimbus-deploy-ACCOUNT-REGION, created if missing)");
  cmd->add_flag("--watch", o->watch,
                "after deploying, redeploy on file changes: code-only changes update the "
                "functions directly");
  cmd->add_option("--endpoint-url", o->endpoint,
                  "nimbus endpoint (default: $AWS_ENDPOINT_URL or http://127.0.0.1:4566)");
  return {cmd, [o] { return Deployer(*o).run(); }};
}

}  // namespace nimbus::cli
