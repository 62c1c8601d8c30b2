// REST (restJson1 / restXml) output bindings: status code, headers, payload
// and body. Internal to src/protocol/.
#pragma once

#include <boost/json.hpp>

#include "http/message.h"
#include "protocol/model.h"
#include "protocol/serialize_internal.h"

namespace nimbus::protocol::ser {

// Fills status, headers and body of `r` from `output` shaped like `out`.
void serialize_rest(http::Response& r, const ServiceModel& model, const OperationModel& op,
                    const Ref& out, const boost::json::object& output, bool xml);

// The root element of a restXml body: the output shape's locationName, S3's
// documented names (the botocore S3 model does not carry them), else the
// output shape's name (S3: OperationName + "Result").
std::string rest_xml_root(const ServiceModel& model, const OperationModel& op, const Ref& out);

}  // namespace nimbus::protocol::ser
