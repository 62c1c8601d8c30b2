// How a (namespace, key) pair is laid out in the one RocksDB keyspace:
// `namespace '\0' key`. Namespaces never contain '\0', so the prefix
// `namespace '\0'` selects exactly one namespace, and byte order inside it is
// the user key's byte order. See docs/storage.md for why prefixes and not
// column families.
#pragma once

#include <cassert>
#include <string>
#include <string_view>

namespace nimbus::storage::keys {

inline bool valid_namespace(std::string_view ns) {
  return !ns.empty() && ns.find('\0') == std::string_view::npos;
}

// The prefix every key of `ns` starts with.
inline std::string ns_prefix(std::string_view ns) {
  assert(valid_namespace(ns));
  std::string out;
  out.reserve(ns.size() + 1);
  out.append(ns);
  out.push_back('\0');
  return out;
}

inline std::string encode(std::string_view ns, std::string_view key) {
  std::string out = ns_prefix(ns);
  out.append(key);
  return out;
}

}  // namespace nimbus::storage::keys
