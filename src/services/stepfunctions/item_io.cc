// A distributed Map's S3 I/O: its ItemReader (an object's JSON array, JSON
// lines or CSV rows; or a bucket's listing) and its ResultWriter (the runs'
// results and a manifest under Prefix/<map run id>/), through S3's
// ObjectReader and ObjectWriter (services/s3/api.h) and ListObjectsV2.
// Their failures are States.ItemReaderFailed and States.ResultWriterFailed.
#include <memory>

#include "common/json_fields.h"
#include "common/request_id.h"
#include "services/stepfunctions/integrations.h"

namespace nimbus::sfn {

namespace json = boost::json;

namespace {

// Objects read whole: AWS reads up to 10 GB; nimbus keeps a Map's items in
// the execution's position, so it stops far sooner.
constexpr uint64_t kMaxObject = 256ull * 1024 * 1024;

TaskOutcome reader_failed(std::string cause) {
  return TaskOutcome{false, nullptr, {"States.ItemReaderFailed", std::move(cause)}};
}
TaskOutcome writer_failed(std::string cause) {
  return TaskOutcome{false, nullptr, {"States.ResultWriterFailed", std::move(cause)}};
}

std::string member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// RFC 4180 rows: fields split on commas, quoted fields may hold commas,
// line breaks and doubled quotes; CRLF or LF ends a row.
std::vector<std::vector<std::string>> csv_rows(std::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = any = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !field.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
      }
      row.clear();
      field.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (any || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

// The items of an object's body as ReaderConfig says to read it.
std::variant<json::array, std::string> parse_items(const std::string& body,
                                                   const json::object& config) {
  std::string type = member(config, "InputType");
  json::array items;
  if (type == "JSON") {
    json::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec) return "The object is not JSON: " + ec.message();
    if (!v.is_array()) return std::string("Attempting to map over non-iterable node.");
    items = std::move(v.as_array());
  } else if (type == "JSONL") {
    size_t at = 0, line = 0;
    while (at < body.size()) {
      size_t end = body.find('\n', at);
      if (end == std::string::npos) end = body.size();
      std::string_view text(body.data() + at, end - at);
      ++line;
      at = end + 1;
      if (text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      json::error_code ec;
      json::value v = json::parse(text, ec);
      if (ec) return "Line " + std::to_string(line) + " is not JSON: " + ec.message();
      items.push_back(std::move(v));
    }
  } else {  // CSV
    auto rows = csv_rows(body);
    std::vector<std::string> headers;
    size_t first = 0;
    if (member(config, "CSVHeaderLocation") == "GIVEN") {
      for (const auto& h : config.at("CSVHeaders").as_array()) {
        headers.emplace_back(h.as_string());
      }
    } else if (!rows.empty()) {
      headers = rows[0];
      first = 1;
    }
    for (size_t r = first; r < rows.size(); ++r) {
      if (rows[r].size() > headers.size()) {
        return "Row " + std::to_string(r + 1) + " has more fields than there are headers";
      }
      json::object item;
      for (size_t i = 0; i < headers.size(); ++i) {
        item[headers[i]] = i < rows[r].size() ? rows[r][i] : std::string();
      }
      items.push_back(std::move(item));
    }
  }
  if (const auto* max = config.if_contains("MaxItems"); max != nullptr && max->is_number()) {
    auto n = max->to_number<int64_t>();
    if (n > 0 && items.size() > static_cast<size_t>(n)) items.resize(static_cast<size_t>(n));
  }
  return items;
}

}  // namespace

void Integrations::read_items(TaskRequest task, std::function<void(TaskOutcome)> done) const {
  if (reader_ == nullptr) return done(reader_failed("nimbus has no S3 to read items from"));
  const auto& p = task.parameters.as_object();
  json::object config = p.contains("ReaderConfig") && p.at("ReaderConfig").is_object()
                            ? p.at("ReaderConfig").as_object()
                            : json::object();
  std::string bucket = member(p, "Bucket"), key = member(p, "Key");
  if (bucket.empty() || key.empty()) {
    return done(reader_failed("The ItemReader's Parameters must name a Bucket and a Key"));
  }
  reader_->get(
      bucket, key, member(p, "VersionId"), kMaxObject,
      [config = std::move(config), done = std::move(done)](Result<std::string> body) {
        if (!body) {
          return done(reader_failed("S3." + body.error().code + ": " + body.error().message));
        }
        auto items = parse_items(*body, config);
        if (auto* why = std::get_if<std::string>(&items)) return done(reader_failed(*why));
        done(TaskOutcome{true, std::move(std::get<json::array>(items)), {}});
      });
}

namespace {

// ListObjectsV2 page after page until the listing or MaxItems ends; each
// object an item as AWS gives it (Etag, Key, LastModified, Size,
// StorageClass).
struct Listing {
  services::OperationCalls* calls = nullptr;
  json::object request;
  json::array items;
  int64_t max = 0;
  services::CallContext ctx;
  std::function<void(TaskOutcome)> done;

  bool full() const { return max > 0 && static_cast<int64_t>(items.size()) >= max; }
  void page(std::shared_ptr<Listing> self) {
    ctx.request_id = new_request_id();
    calls->call("s3", "ListObjectsV2", ctx, request, [self](services::Output out) {
      if (!out) {
        return self->done(reader_failed("S3." + out.error().code + ": " + out.error().message));
      }
      if (const auto* contents = out->if_contains("Contents");
          contents != nullptr && contents->is_array()) {
        for (const auto& c : contents->as_array()) {
          if (self->full()) break;
          const auto& o = c.as_object();
          auto get = [&o](std::string_view k, json::value dflt) {
            const auto* v = o.if_contains(k);
            return v != nullptr ? *v : dflt;
          };
          self->items.push_back(json::object{{"Etag", get("ETag", "")},
                                             {"Key", get("Key", "")},
                                             {"LastModified", get("LastModified", nullptr)},
                                             {"Size", get("Size", 0)},
                                             {"StorageClass", get("StorageClass", "STANDARD")}});
        }
      }
      const auto* token = out->if_contains("NextContinuationToken");
      if (token == nullptr || !token->is_string() || self->full()) {
        return self->done(TaskOutcome{true, std::move(self->items), {}});
      }
      self->request["ContinuationToken"] = *token;
      self->page(self);
    });
  }
};

}  // namespace

void Integrations::list_items(TaskRequest task, std::function<void(TaskOutcome)> done) const {
  if (calls_ == nullptr) return done(reader_failed("nimbus has no S3 to list items from"));
  auto l = std::make_shared<Listing>();
  l->calls = calls_;
  const auto& p = task.parameters.as_object();
  l->request = json::object{{"Bucket", member(p, "Bucket")}};
  if (p.contains("Prefix")) l->request["Prefix"] = member(p, "Prefix");
  if (const auto* c = p.if_contains("ReaderConfig"); c != nullptr && c->is_object()) {
    if (const auto* m = c->as_object().if_contains("MaxItems"); m != nullptr && m->is_number()) {
      l->max = m->to_number<int64_t>();
    }
  }
  std::tie(l->ctx.region, l->ctx.account_id) = region_account(task.execution_arn);
  l->done = std::move(done);
  l->page(l);
}

void Integrations::write_results(TaskRequest task, std::function<void(TaskOutcome)> done) const {
  if (writer_ == nullptr) return done(writer_failed("nimbus has no S3 to write results to"));
  const auto& p = task.parameters.as_object();
  std::string bucket = member(p, "Bucket");
  if (bucket.empty())
    return done(writer_failed("The ResultWriter's Parameters must name a Bucket"));
  std::string map_run = member(p, "MapRunArn");
  std::string id = map_run.substr(map_run.rfind(':') + 1);
  std::string prefix = member(p, "Prefix");
  while (prefix.ends_with('/')) prefix.pop_back();
  std::string dir = (prefix.empty() ? "" : prefix + "/") + id + "/";
  // Each run as AWS lists a child execution in SUCCEEDED_0.json or
  // FAILED_0.json: Input and Output as JSON text.
  std::string execution_prefix = map_run;
  if (auto at = execution_prefix.find(":mapRun:"); at != std::string::npos) {
    execution_prefix.replace(at, 8, ":execution:");
  }
  execution_prefix = execution_prefix.substr(0, execution_prefix.rfind(':') + 1);
  std::string machine = map_run.substr(0, map_run.rfind(':'));
  if (auto at = machine.find(":mapRun:"); at != std::string::npos) {
    machine.replace(at, 8, ":stateMachine:");
  }
  json::array succeeded, failed;
  if (const auto* runs = p.if_contains("Runs"); runs != nullptr && runs->is_array()) {
    for (const auto& r : runs->as_array()) {
      const auto& o = r.as_object();
      std::string name = id + "_" + json::serialize(o.at("Index"));
      json::object entry{{"ExecutionArn", execution_prefix + name},
                         {"Input", json::serialize(o.at("Input"))},
                         {"InputDetails", json::object{{"Included", true}}},
                         {"Name", name},
                         {"StateMachineArn", machine},
                         {"Status", o.at("Status")}};
      if (o.at("Status") == "SUCCEEDED") {
        entry["Output"] = json::serialize(o.at("Output"));
        entry["OutputDetails"] = json::object{{"Included", true}};
        succeeded.push_back(std::move(entry));
      } else {
        entry["Error"] = o.at("Error");
        entry["Cause"] = o.at("Cause");
        failed.push_back(std::move(entry));
      }
    }
  }
  std::vector<services::s3::NewObject> files;
  json::object results{
      {"FAILED", json::array()}, {"PENDING", json::array()}, {"SUCCEEDED", json::array()}};
  const std::pair<const char*, json::array*> kinds[] = {{"SUCCEEDED", &succeeded},
                                                        {"FAILED", &failed}};
  for (const auto& [kind, list] : kinds) {
    if (list->empty()) continue;
    services::s3::NewObject o{bucket, dir + kind + "_0.json", json::serialize(*list),
                              "application/json", ""};
    results[kind].as_array().push_back(
        json::object{{"Key", o.key}, {"Size", static_cast<int64_t>(o.body.size())}});
    files.push_back(std::move(o));
  }
  json::object manifest{
      {"DestinationBucket", bucket}, {"MapRunArn", map_run}, {"ResultFiles", std::move(results)}};
  files.push_back(
      {bucket, dir + "manifest.json", json::serialize(manifest), "application/json", ""});
  json::object output{
      {"MapRunArn", map_run},
      {"ResultWriterDetails", json::object{{"Bucket", bucket}, {"Key", dir + "manifest.json"}}}};
  // One file after the other; the manifest last, so that it names only
  // files that exist.
  struct Writing {
    std::vector<services::s3::NewObject> files;
    size_t next = 0;
    json::object output;
    std::function<void(TaskOutcome)> done;
    services::s3::ObjectWriter* writer = nullptr;
    void go(std::shared_ptr<Writing> self) {
      if (next == files.size()) return done(TaskOutcome{true, std::move(output), {}});
      writer->put(files[next++], [self](Status st) {
        if (!st)
          return self->done(writer_failed("S3." + st.error().code + ": " + st.error().message));
        self->go(self);
      });
    }
  };
  auto w = std::make_shared<Writing>();
  w->files = std::move(files);
  w->output = std::move(output);
  w->done = std::move(done);
  w->writer = writer_;
  w->go(w);
}

}  // namespace nimbus::sfn
