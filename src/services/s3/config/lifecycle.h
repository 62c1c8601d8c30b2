// Bucket lifecycle: the LifecycleConfiguration document checked as S3
// checks it, and which stored object or upload a rule expires when.
//
// S3's timing: an action "after N days" is due at the first midnight UTC
// that is at least N days after the object was created (or became
// noncurrent, or the upload was initiated); an Expiration Date is due at
// that date. Transitions are stored and returned but not applied (nimbus
// has one storage class).
//
// Pure functions; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace nimbus::s3config {

namespace json = boost::json;

// Checks a LifecycleConfiguration (Rules with ID, Status, Filter or Prefix,
// and at least one action), with S3's errors.
Status validate_lifecycle(const json::object& config);

// What a rule is asked about: one stored object version.
struct ObjectFacts {
  std::string key{};
  std::map<std::string, std::string> tags{};
  int64_t size = 0;
  int64_t created_ms = 0;  // last modified
  bool current = true;     // the latest version
  bool delete_marker = false;
  int64_t noncurrent_since_ms = 0;  // when a newer version replaced it (noncurrent ones)
  int64_t newer_noncurrent = 0;     // noncurrent versions newer than this one
  bool only_version = false;        // a delete marker with no other version left
};

enum class Action {
  kExpire,             // current version: delete (or add a delete marker when versioned)
  kExpireNoncurrent,   // noncurrent version: delete permanently
  kRemoveDeleteMarker  // expired object delete marker: delete it
};

struct Due {
  int64_t at_ms = 0;
  Action action = Action::kExpire;
};

// When the enabled rules of `config` first act on `object`; nullopt when no
// rule ever does.
std::optional<Due> object_due(const json::object& config, const ObjectFacts& object);
// When an incomplete multipart upload of `key`, initiated at `initiated_ms`,
// is aborted; nullopt when no rule aborts it.
std::optional<int64_t> upload_due(const json::object& config, const std::string& key,
                                  int64_t initiated_ms);

// `days` after `from_ms`, rounded up to the next midnight UTC (S3's rule).
int64_t after_days(int64_t from_ms, int64_t days);

}  // namespace nimbus::s3config
