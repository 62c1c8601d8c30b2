// libFuzzer target: DynamoDB's CreateTable input checks (table_def.h) and
// item key checks (item_keys.h). The input is "<CreateTable JSON>\n<item
// JSON>". A definition that passes must survive its stored form (the same
// parser reads it back at start-up), and an item whose key passes must have
// a storage key, and an index entry (indexes.h) for every index whose key
// attributes it has, lying inside that index's range.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "services/dynamodb/indexes.h"
#include "services/dynamodb/item_keys.h"
#include "services/dynamodb/model/value.h"
#include "services/dynamodb/table_def.h"

using namespace nimbus::services::dynamodb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto nl = text.find('\n');
  std::string_view table_text = text.substr(0, nl);
  std::string_view item_text = nl == std::string_view::npos ? "" : text.substr(nl + 1);
  boost::system::error_code ec;
  auto v = boost::json::parse(table_text, ec);
  if (ec || !v.is_object()) return 0;
  auto def = parse_create(v.as_object());
  if (!def) return 0;
  auto back = from_stored(to_stored(*def));
  if (!back || back->name != def->name || back->key.names() != def->key.names()) std::abort();
  (void)describe(*back, {}, "ACTIVE", "us-east-1", "000000000000");
  auto item = boost::json::parse(item_text, ec);
  if (ec || !item.is_object()) return 0;
  auto& attrs = item.as_object();
  if (!nimbus::dynamodb::normalize_item(attrs)) return 0;
  for (auto from : {KeyFrom::kItem, KeyFrom::kKey}) {
    if (check_key(def->key, attrs, from)) (void)item_key(*def, attrs);
  }
  if (!check_key(def->key, attrs, KeyFrom::kItem)) return 0;
  uint64_t num = 1;
  for (auto* list : {&def->gsis, &def->lsis}) {
    for (auto& i : *list) {
      i.num = ++num;
      auto entry = index_entry_key(*def, i, attrs);
      if (entry && entry->rfind(index_prefix(*def, i), 0) != 0) std::abort();
      auto projected = project(*def, i, attrs);
      if (index_item_key(*def, i, projected).size() > projected.size()) std::abort();
    }
  }
  return 0;
}
