// The Tagging document a browser POST form's `tagging` field carries
// (<Tagging><TagSet><Tag><Key>..</Key><Value>..</Value></Tag>...</TagSet>
// </Tagging>), read into the TagSet value the protocol engine would have
// made of the same document: [{"Key": .., "Value": ..}]. The tags' limits
// are the service's to check.
//
// Pure; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <string_view>

#include "common/result.h"

namespace nimbus::s3config {

// MalformedXML for text that is not such a document.
Result<boost::json::array> parse_tagging_xml(std::string_view xml);

}  // namespace nimbus::s3config
