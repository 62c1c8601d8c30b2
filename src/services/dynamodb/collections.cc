#include "services/dynamodb/collections.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "common/json_fields.h"
#include "services/dynamodb/errors.h"
#include "services/dynamodb/indexes.h"
#include "services/dynamodb/model/value.h"
#include "storage/key_codec.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;
namespace model = nimbus::dynamodb;

int64_t collection_limit(const Settings& settings) {
  auto it = settings.service_options.find("dynamodb.item-collection-limit");
  if (it == settings.service_options.end()) return kCollectionLimit;
  int64_t n = 0;
  const std::string& v = it->second;
  auto r = std::from_chars(v.data(), v.data() + v.size(), n);
  if (r.ec != std::errc() || r.ptr != v.data() + v.size() || n <= 0) return kCollectionLimit;
  return std::min(n, kCollectionLimit);
}

std::string collection_key(const TableDef& t, const json::object& item) {
  return storage::KeyBuilder()
      .u64(t.num)
      .str(model::encode_key_value(item.at(t.key.hash.name)))
      .bytes();
}

int64_t collection_bytes(const TableDef& t, const json::object& item) {
  auto bytes = static_cast<int64_t>(model::item_size(item));
  for (const auto& lsi : t.lsis) {
    if (!index_entry_key(t, lsi, item)) continue;
    bytes += static_cast<int64_t>(model::item_size(project(t, lsi, item)));
  }
  return bytes;
}

json::object collection_metrics(const TableDef& t, const json::object& item, int64_t bytes) {
  // AWS gives a range one gigabyte wide around its estimate; nimbus knows
  // the size exactly and answers the whole gigabytes below and above it.
  constexpr double kGb = 1024.0 * 1024.0 * 1024.0;
  double low = std::floor(static_cast<double>(bytes) / kGb);
  return json::object{
      {"ItemCollectionKey", json::object{{t.key.hash.name, item.at(t.key.hash.name)}}},
      {"SizeEstimateRangeGB", json::array{low, low + 1}}};
}

Result<bool> wants_collection_metrics(const json::object& in, const TableDef& t) {
  auto asked = collection_metrics_asked(in);
  if (!asked) return asked;
  return *asked && !t.lsis.empty();
}

Result<bool> collection_metrics_asked(const json::object& in) {
  std::string v = str(in, "ReturnItemCollectionMetrics");
  if (!v.empty() && v != "SIZE" && v != "NONE") {
    return errors::constraint("'" + v + "'", "returnItemCollectionMetrics",
                              "Member must satisfy enum value set: [SIZE, NONE]");
  }
  return v == "SIZE";
}

Error collection_limit_exceeded() {
  return Error::make("ItemCollectionSizeLimitExceededException", "Collection size exceeded.");
}

}  // namespace nimbus::services::dynamodb
