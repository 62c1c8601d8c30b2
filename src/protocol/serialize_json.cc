// Values to their wire JSON form, shared by awsJson and restJson responses:
// member names from locationName (botocore's jsonName) in JSON-native models, blobs base64,
// timestamps as epoch-second numbers unless timestampFormat says otherwise,
// non-finite floats as the strings "NaN", "Infinity", "-Infinity".
#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <unordered_map>

#include "common/json_fragment.h"
#include "common/json_string.h"
#include "protocol/serialize_internal.h"

namespace nimbus::protocol::ser {
namespace {

boost::json::value epoch_number(double seconds) {
  double whole = std::floor(seconds);
  if (whole == seconds && std::fabs(seconds) < 9e15) return static_cast<int64_t>(whole);
  // Millisecond precision, as AWS sends it.
  return std::round(seconds * 1000.0) / 1000.0;
}

boost::json::value timestamp_json(const Ref& ref, const boost::json::value& v) {
  double seconds = timestamp_seconds(v);
  auto fmt = ref.str("timestampFormat");
  if (fmt.empty() || fmt == "unixTimestamp") return epoch_number(seconds);
  return boost::json::value(format_timestamp(seconds, fmt));
}

}  // namespace

bool uses_json_names(const ServiceModel& model) {
  auto p = model.protocol();
  return p == Protocol::kJson10 || p == Protocol::kJson11 || p == Protocol::kRestJson ||
         p == Protocol::kRpcV2Cbor;
}

boost::json::value to_wire_json(const ServiceModel& model, const Ref& ref,
                                const boost::json::value& v, bool body_only) {
  if (v.is_null() || !ref.valid()) return v;
  std::string_view type = ref.type();
  if (type == "structure") {
    if (ref.flag("document") || !v.is_object()) return v;
    boost::json::object out;
    const auto* members = ref.shape->if_contains("members");
    if (members == nullptr || !members->is_object()) return out;
    const auto& in = v.get_object();
    const auto& all = members->get_object();
    bool json_names = uses_json_names(model);
    out.reserve(std::min(in.size(), all.size()));
    auto add = [&](std::string_view name, const boost::json::value& mref,
                   const boost::json::value& value) {
      if (!mref.is_object() || value.is_null()) return;
      Ref m = resolve(model, mref.get_object());
      if (body_only && !location_of(m).empty()) return;
      std::string_view key = json_names ? m.name_or(name) : name;
      out.emplace(key, to_wire_json(model, m, value));
    };
    // A union such as DynamoDB's AttributeValue has ten members and one set,
    // once per attribute of every item: look the one up instead of the ten.
    // (One member comes out in the model's order either way.)
    if (in.size() <= 1) {
      for (const auto& [name, value] : in) {
        if (const auto* mref = all.if_contains(name)) add(name, *mref, value);
      }
      return out;
    }
    for (const auto& [name, mref] : all) {
      const auto* value = in.if_contains(name);
      if (value != nullptr) add(name, mref, *value);
    }
    return out;
  }
  if (type == "list") {
    if (!v.is_array()) return v;
    Ref item = child(model, ref, "member");
    boost::json::array out;
    out.reserve(v.get_array().size());
    for (const auto& e : v.get_array()) out.push_back(to_wire_json(model, item, e));
    return out;
  }
  if (type == "map") {
    if (!v.is_object()) return v;
    Ref val = child(model, ref, "value");
    boost::json::object out;
    out.reserve(v.get_object().size());
    for (const auto& [k, e] : v.get_object()) {
      if (!e.is_null()) out.emplace(k, to_wire_json(model, val, e));
    }
    return out;
  }
  if (type == "blob" && v.is_string()) return boost::json::value(base64_encode(sv(v.get_string())));
  if (type == "timestamp") return timestamp_json(ref, v);
  if ((type == "float" || type == "double") && v.is_double() && !std::isfinite(v.get_double())) {
    return boost::json::value(format_double(v.get_double()));
  }
  return v;
}

namespace {

// A blob's base64 text written in place (it needs no JSON escaping): no
// intermediate string, no escape scan.
void write_blob(std::string& out, std::string_view bytes) {
  size_t at = out.size();
  out.resize(at + base64_encoded_size(bytes.size()) + 2);
  out[at] = '"';
  base64_encode_to(bytes, out.data() + at + 1);
  out.back() = '"';
}

// An upper bound of the text a value becomes (every string counted as a
// blob's base64, the longer form), so that a large answer is written into
// one allocation instead of a string doubling and copying itself as it grows
// (a 10,000-record GetRecords answer is 14 MB). Escapes are not counted: a
// string needing many only grows the buffer once more.
size_t size_hint(const boost::json::value& v);

size_t size_hint(const boost::json::object& o) {
  size_t n = 2;
  for (const auto& [k, e] : o) n += k.size() + 4 + size_hint(e);
  return n;
}

size_t size_hint(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::string:
      return base64_encoded_size(v.get_string().size()) + 2;
    case boost::json::kind::object:
      return size_hint(v.get_object());
    case boost::json::kind::array: {
      // A long array (GetRecords' 10,000 records) is estimated from its
      // first elements, with a quarter more for the others' varying: walking
      // every element cost a fifth of writing them. Reserved pages that are
      // never written are never touched; an underestimate only grows the
      // buffer once more.
      constexpr size_t kSampled = 64;
      const auto& a = v.get_array();
      size_t n = 0;
      size_t count = std::min(a.size(), kSampled);
      for (size_t i = 0; i < count; ++i) n += size_hint(a[i]) + 1;
      if (a.size() > kSampled) n += n / kSampled * (a.size() - kSampled) / 4 * 5;
      return n + 2;
    }
    default:
      return 24;  // a number, true, false, null, or a timestamp's text
  }
}

// A number, true, false or null is written in place (Boost.JSON's text for
// a double), not through a string of its own: GetRecords writes a timestamp
// per record, 10,000 an answer.
void write_plain(std::string& out, const boost::json::value& v) {
  char text[64];
  switch (v.kind()) {
    case boost::json::kind::string:
      return append_json_string(out, sv(v.get_string()));
    case boost::json::kind::int64:
      out.append(text, std::to_chars(text, text + sizeof text, v.get_int64()).ptr);
      return;
    case boost::json::kind::uint64:
      out.append(text, std::to_chars(text, text + sizeof text, v.get_uint64()).ptr);
      return;
    case boost::json::kind::double_: {
      boost::json::serializer sr;
      sr.reset(&v);
      while (!sr.done()) out += sr.read(text, sizeof text);
      return;
    }
    case boost::json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      return;
    case boost::json::kind::null:
      out += "null";
      return;
    default:
      out += boost::json::serialize(v);
  }
}

// How each shape of a model is written, worked out the first time the
// shape is met and reused for every other value of it: a Query answer has
// one AttributeValue union per attribute of every item, so its members are
// resolved once, not once per attribute. Keyed on the shape and the member
// referencing it (the member's traits count). A plan is a function of its
// model alone, so each thread keeps one per model across answers (building
// it was ~4% of a GetItem's instructions); all are dropped when any model is
// destroyed (forget_plans), as they point into it.
enum class Kind { kPlain, kDocument, kStructure, kList, kMap, kBlob, kTimestamp, kFloat };

struct Node;

struct Field {
  std::string_view name;  // the member's name in the value
  const boost::json::object* mref = nullptr;
  // Resolved when the member is first written (a union's other members
  // never are).
  std::string key;  // "WireName":
  Node* node = nullptr;
};

struct Node {
  Ref ref;
  Kind kind = Kind::kPlain;
  bool built = false;         // fields / child set
  std::vector<Field> fields;  // structure members, in the model's order
  Node* child = nullptr;      // list member / map value
  // A timestamp's last value (its kind and bits) and the text written for
  // it: the records of one PutRecords call share their arrival time, so a
  // GetRecords answer repeats each a few hundred times.
  bool has_last = false;
  boost::json::kind last_kind = boost::json::kind::null;
  uint64_t last_bits = 0;
  std::string last_text;
};

class Plan {
 public:
  explicit Plan(const ServiceModel& model) : model_(model), json_names_(uses_json_names(model)) {}

  // Whether the value being written holds JSON fragments
  // (common/json_fragment.h), copied as they are; set per answer.
  bool splice_fragments = false;

  Node* node(const Ref& ref) {
    auto& slot = nodes_[{ref.shape, ref.member}];
    if (slot) return slot.get();
    slot = std::make_unique<Node>();
    Node* n = slot.get();
    n->ref = ref;
    if (!ref.valid()) return n;
    std::string_view type = ref.type();
    if (type == "structure") {
      n->kind = ref.flag("document") ? Kind::kDocument : Kind::kStructure;
    } else if (type == "list") {
      n->kind = Kind::kList;
    } else if (type == "map") {
      n->kind = Kind::kMap;
    } else if (type == "blob") {
      n->kind = Kind::kBlob;
    } else if (type == "timestamp") {
      n->kind = Kind::kTimestamp;
    } else if (type == "float" || type == "double") {
      n->kind = Kind::kFloat;
    }
    return n;
  }

  void write(std::string& out, Node* n, const boost::json::value& v) {
    if (splice_fragments && v.is_object()) {
      if (const auto* text = json_fragment_text(v)) {
        out.append(text->data(), text->size());
        return;
      }
    }
    if (v.is_null() || !n->ref.valid()) return write_plain(out, v);
    switch (n->kind) {
      case Kind::kDocument:
        out += boost::json::serialize(v);
        return;
      case Kind::kStructure:
        if (!v.is_object()) {
          out += boost::json::serialize(v);
          return;
        }
        return write_structure(out, n, v.get_object());
      case Kind::kList:
        if (!v.is_array()) break;
        return write_list(out, n, v.get_array());
      case Kind::kMap:
        if (!v.is_object()) break;
        return write_map(out, n, v.get_object());
      case Kind::kBlob:
        if (v.is_string()) return write_blob(out, sv(v.get_string()));
        return write_plain(out, v);
      case Kind::kTimestamp:
        return write_timestamp(out, n, v);
      case Kind::kFloat:
        if (v.is_double() && !std::isfinite(v.get_double())) {
          return append_json_string(out, format_double(v.get_double()));
        }
        return write_plain(out, v);
      case Kind::kPlain:
        return write_plain(out, v);
    }
    // A list or map shape holding some other JSON value.
    out += boost::json::serialize(v);
  }

  // As to_wire_json: the members in the model's order (the one present
  // when there is at most one), under their wire names.
  void write_structure(std::string& out, Node* n, const boost::json::object& in) {
    build(n);
    out += '{';
    bool first = true;
    auto add = [&](Field& f, const boost::json::value& value) {
      if (value.is_null()) return;
      if (f.node == nullptr) resolve_field(f);
      if (!first) out += ',';
      first = false;
      out += f.key;
      write(out, f.node, value);
    };
    if (in.size() <= 1) {
      for (const auto& [name, value] : in) {
        std::string_view key(name.data(), name.size());
        for (auto& f : n->fields) {
          if (f.name == key) {
            add(f, value);
            break;
          }
        }
      }
    } else if (in_model_order(n->fields, in)) {
      // As answers are built (GetRecords' records, most handlers' objects):
      // each member found by walking the model's members once, instead of a
      // look-up in the value per model member. Same members, same order.
      size_t at = 0;
      for (const auto& [name, value] : in) {
        std::string_view key(name.data(), name.size());
        while (n->fields[at].name != key) ++at;
        add(n->fields[at++], value);
      }
    } else {
      for (auto& f : n->fields) {
        if (const auto* value = in.if_contains(f.name)) add(f, *value);
      }
    }
    out += '}';
  }

 private:
  void write_list(std::string& out, Node* n, const boost::json::array& a) {
    build(n);
    out += '[';
    bool first = true;
    for (const auto& e : a) {
      if (!first) out += ',';
      first = false;
      write(out, n->child, e);
    }
    out += ']';
  }

  void write_map(std::string& out, Node* n, const boost::json::object& o) {
    build(n);
    out += '{';
    bool first = true;
    for (const auto& [k, e] : o) {
      if (e.is_null()) continue;
      if (!first) out += ',';
      first = false;
      append_json_string(out, std::string_view(k.data(), k.size()));
      out += ':';
      write(out, n->child, e);
    }
    out += '}';
  }

  // Whether every member of `in` is a model member, in the model's order.
  static bool in_model_order(const std::vector<Field>& fields, const boost::json::object& in) {
    size_t at = 0;
    for (const auto& [name, value] : in) {
      std::string_view key(name.data(), name.size());
      while (at < fields.size() && fields[at].name != key) ++at;
      if (at == fields.size()) return false;
      ++at;
    }
    return true;
  }

  // A timestamp, its text reused when the value is the last one's (same
  // kind, same bits: 0.0 and -0.0 differ) - the text is a function of the
  // value and the shape alone.
  void write_timestamp(std::string& out, Node* n, const boost::json::value& v) {
    uint64_t bits = 0;
    bool reusable = true;
    if (v.is_double()) {
      double d = v.get_double();
      std::memcpy(&bits, &d, sizeof bits);
    } else if (v.is_int64()) {
      bits = static_cast<uint64_t>(v.get_int64());
    } else if (v.is_uint64()) {
      bits = v.get_uint64();
    } else {
      reusable = false;
    }
    if (reusable && n->has_last && n->last_kind == v.kind() && n->last_bits == bits) {
      out += n->last_text;
      return;
    }
    size_t at = out.size();
    write_plain(out, timestamp_json(n->ref, v));
    if (!reusable) return;
    n->has_last = true;
    n->last_kind = v.kind();
    n->last_bits = bits;
    n->last_text.assign(out, at, std::string::npos);
  }

  void build(Node* n) {
    if (n->built) return;
    n->built = true;
    if (n->kind == Kind::kList) {
      n->child = node(child(model_, n->ref, "member"));
      return;
    }
    if (n->kind == Kind::kMap) {
      n->child = node(child(model_, n->ref, "value"));
      return;
    }
    const auto* members = n->ref.shape->if_contains("members");
    if (members == nullptr || !members->is_object()) return;
    n->fields.reserve(members->get_object().size());
    for (const auto& [name, mref] : members->get_object()) {
      if (!mref.is_object()) continue;
      n->fields.push_back(
          Field{std::string_view(name.data(), name.size()), &mref.get_object(), {}, nullptr});
    }
  }

  void resolve_field(Field& f) {
    Ref m = resolve(model_, *f.mref);
    append_json_string(f.key, json_names_ ? m.name_or(f.name) : f.name);
    f.key += ':';
    f.node = node(m);
  }

  const ServiceModel& model_;
  bool json_names_;
  std::map<std::pair<const void*, const void*>, std::unique_ptr<Node>> nodes_;
};

// Bumped by every model destroyed: a thread's plans made before are dropped.
std::atomic<uint64_t> models_destroyed{0};

Plan& plan_of(const ServiceModel& model) {
  thread_local std::unordered_map<const ServiceModel*, std::unique_ptr<Plan>> plans;
  thread_local uint64_t seen = 0;
  uint64_t destroyed = models_destroyed.load(std::memory_order_acquire);
  if (destroyed != seen) {
    plans.clear();
    seen = destroyed;
  }
  auto& slot = plans[&model];
  if (!slot) slot = std::make_unique<Plan>(model);
  return *slot;
}

}  // namespace

void forget_plans() {
  models_destroyed.fetch_add(1, std::memory_order_release);
}

void write_wire_json(std::string& out, const ServiceModel& model, const Ref& structure,
                     const boost::json::object& in, bool fragments) {
  Plan& plan = plan_of(model);
  plan.splice_fragments = fragments;
  out.reserve(out.size() + size_hint(in));
  Node* n = plan.node(structure);
  if (n->kind != Kind::kStructure) {
    // Written as a structure whatever the shape says, as before.
    n->kind = Kind::kStructure;
  }
  plan.write_structure(out, n, in);
}

void write_wire_json(std::string& out, const ServiceModel& model, const Ref& ref,
                     const boost::json::value& v) {
  Plan& plan = plan_of(model);
  plan.splice_fragments = false;
  out.reserve(out.size() + size_hint(v));
  plan.write(out, plan.node(ref), v);
}

}  // namespace nimbus::protocol::ser
