// The fields of a Map state in Distributed mode: ProcessorConfig, Label,
// ItemReader (S3 objects and listings), ItemBatcher and ResultWriter; their
// Parameters (JSONPath) or Arguments (JSONata).
#include "services/stepfunctions/asl/parse_context.h"

namespace nimbus::sfn::asl {

namespace json = boost::json;

namespace {

bool one_of(std::string_view v, std::initializer_list<std::string_view> allowed) {
  for (auto a : allowed) {
    if (v == a) return true;
  }
  return false;
}

}  // namespace

void DefinitionParser::distributed(State& s, const json::object& o, const std::string& loc,
                                   const json::value& processor, const std::string& ploc) {
  if (const auto* po = processor.if_object()) {
    if (const auto* cfg = po->if_contains("ProcessorConfig")) {
      std::string at = ploc + "/ProcessorConfig";
      if (!cfg->is_object()) {
        schema("Expected value of type Object", at);
      } else {
        only_fields(cfg->as_object(), {"Mode", "ExecutionType"}, at);
        auto mode = string_field(cfg->as_object(), "Mode", at, false).value_or("INLINE");
        if (!one_of(mode, {"INLINE", "DISTRIBUTED"})) {
          schema("The value for the field 'Mode' must be one of INLINE, DISTRIBUTED", at + "/Mode");
        }
        s.distributed = mode == "DISTRIBUTED";
        auto type = string_field(cfg->as_object(), "ExecutionType", at, s.distributed);
        s.express_children = type == "EXPRESS";
        if (type && !one_of(*type, {"STANDARD", "EXPRESS"})) {
          schema("The value for the field 'ExecutionType' must be one of STANDARD, EXPRESS",
                 at + "/ExecutionType");
        }
      }
    }
  }
  if (!s.distributed) {
    for (const char* f : {"ItemReader", "ItemBatcher", "ResultWriter", "Label"}) {
      if (o.contains(f)) {
        schema(std::string("The field '") + f + "' is only supported in DISTRIBUTED mode",
               loc + "/" + f);
      }
    }
    return;
  }
  s.label = string_field(o, "Label", loc, false).value_or(s.name);
  if (const auto* r = o.if_contains("ItemReader")) {
    std::string at = loc + "/ItemReader";
    if (!r->is_object()) return schema("Expected value of type Object", at);
    const auto& ro = r->as_object();
    if (s.jsonata) {
      only_fields(ro, {"Resource", "Arguments", "ReaderConfig"}, at);
    } else {
      only_fields(ro, {"Resource", "Parameters", "ReaderConfig"}, at);
    }
    State::Reader reader;
    reader.resource = string_field(ro, "Resource", at, true).value_or("");
    if (!reader.resource.empty() && reader.resource != "arn:aws:states:::s3:getObject" &&
        reader.resource != "arn:aws:states:::s3:listObjectsV2") {
      error("INVALID_RESOURCE",
            "The ItemReader's Resource must be arn:aws:states:::s3:getObject or "
            "arn:aws:states:::s3:listObjectsV2",
            at + "/Resource");
    }
    if (s.jsonata) {
      reader.arguments = query_field(ro, "Arguments", at);
    } else {
      reader.parameters = template_field(ro, "Parameters", at);
    }
    if (const auto* c = ro.if_contains("ReaderConfig")) {
      std::string cat = at + "/ReaderConfig";
      if (!c->is_object()) return schema("Expected value of type Object", cat);
      const auto& co = c->as_object();
      only_fields(co, {"InputType", "CSVHeaderLocation", "CSVHeaders", "MaxItems", "MaxItemsPath"},
                  cat);
      auto type = string_field(co, "InputType", cat, false);
      if (type && !one_of(*type, {"CSV", "JSON", "JSONL"})) {
        schema("The value for the field 'InputType' must be one of CSV, JSON, JSONL", cat);
      }
      auto header = string_field(co, "CSVHeaderLocation", cat, false);
      if (header && !one_of(*header, {"FIRST_ROW", "GIVEN"})) {
        schema("The value for the field 'CSVHeaderLocation' must be one of FIRST_ROW, GIVEN", cat);
      }
      const auto* given = co.if_contains("CSVHeaders");
      if (header == "GIVEN" && (given == nullptr || !given->is_array())) {
        schema("CSVHeaders must be given when CSVHeaderLocation is GIVEN", cat);
      }
      if (given != nullptr) {
        bool strings = given->is_array();
        if (strings) {
          for (const auto& h : given->as_array()) strings = strings && h.is_string();
        }
        if (!strings) schema("The field 'CSVHeaders' must be an array of strings", cat);
      }
      integer_field(co, "MaxItems", cat, 0);
      path_field(co, "MaxItemsPath", cat, true);
      reader.config = co;
    }
    if (reader.resource == "arn:aws:states:::s3:getObject" &&
        !reader.config.contains("InputType")) {
      schema("These fields are required: [InputType]", at + "/ReaderConfig");
    }
    s.item_reader = std::move(reader);
  }
  if (const auto* b = o.if_contains("ItemBatcher")) {
    std::string at = loc + "/ItemBatcher";
    if (!b->is_object()) return schema("Expected value of type Object", at);
    const auto& bo = b->as_object();
    only_fields(bo, {"MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput"}, at);
    State::Batcher batcher;
    batcher.max_items = integer_field(bo, "MaxItemsPerBatch", at, 1);
    batcher.max_bytes = integer_field(bo, "MaxInputBytesPerBatch", at, 1);
    if (batcher.max_bytes && *batcher.max_bytes > 256 * 1024) {
      schema("The value of the field 'MaxInputBytesPerBatch' must be at most 262144",
             at + "/MaxInputBytesPerBatch");
    }
    if (!batcher.max_items && !batcher.max_bytes) {
      schema("At least one of these fields is required: [MaxItemsPerBatch, MaxInputBytesPerBatch]",
             at);
    }
    if (s.jsonata) {
      batcher.batch_query = query_field(bo, "BatchInput", at);
    } else {
      batcher.batch_input = template_field(bo, "BatchInput", at);
    }
    s.item_batcher = std::move(batcher);
  }
  if (const auto* w = o.if_contains("ResultWriter")) {
    std::string at = loc + "/ResultWriter";
    if (!w->is_object()) return schema("Expected value of type Object", at);
    const auto& wo = w->as_object();
    if (s.jsonata) {
      only_fields(wo, {"Resource", "Arguments"}, at);
    } else {
      only_fields(wo, {"Resource", "Parameters"}, at);
    }
    State::Writer writer;
    writer.resource = string_field(wo, "Resource", at, true).value_or("");
    if (writer.resource != "arn:aws:states:::s3:putObject") {
      error("INVALID_RESOURCE", "The ResultWriter's Resource must be arn:aws:states:::s3:putObject",
            at + "/Resource");
    }
    if (s.jsonata) {
      writer.arguments = query_field(wo, "Arguments", at);
    } else {
      writer.parameters = template_field(wo, "Parameters", at);
    }
    s.result_writer = std::move(writer);
  }
}

}  // namespace nimbus::sfn::asl
