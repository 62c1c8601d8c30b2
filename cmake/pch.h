// The standard and third-party headers nearly every translation unit
// includes, precompiled once per build (cmake/pch.cmake). Only headers that
// never change with the tree belong here: a project header would rebuild
// everything whenever it changed.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
