// An index added to a table that has items (UpdateTable's Create, or one
// stored before indexes had numbers) is CREATING until every item has its
// entry: a chain of Items::backfill steps, 100 items each, then the index is
// made ACTIVE. Writes meanwhile maintain the index already (Items::commit),
// so the backfill only adds the entries of items written before. A restart
// starts the chain again from the first item (entries already there are
// skipped).
#include <spdlog/spdlog.h>

#include "services/dynamodb/dynamodb_service.h"

namespace nimbus::services::dynamodb {

void DynamoDbService::backfill_new_indexes(const TableDef& t) {
  for (const auto* list : {&t.gsis, &t.lsis}) {
    for (const auto& i : *list) {
      if (i.status == "CREATING") backfill_index(t.name, i.num, "");
    }
  }
}

void DynamoDbService::backfill_index(std::string table, uint64_t index, std::string after) {
  // Each step holds the gate: the destructor waits for it before Items goes
  // (a step's answer comes on the committer thread and starts the next).
  auto in = ttl_gate_->hold();
  if (!in) return;
  items_->backfill(table, index, std::move(after),
                   [this, in, table, index](Result<std::optional<std::string>> step) {
                     if (!step) {
                       // Left CREATING: the next start resumes it.
                       spdlog::warn("dynamodb: backfill of an index of {} stopped: {}", table,
                                    step.error().message);
                       return;
                     }
                     if (*step) return backfill_index(table, index, std::move(**step));
                     auto activate = [index](TableDef& t) -> Status {
                       for (auto* list : {&t.gsis, &t.lsis}) {
                         for (auto& i : *list) {
                           if (i.num == index && i.status == "CREATING") {
                             i.status = "ACTIVE";
                             return Status::ok();
                           }
                         }
                       }
                       return Error::internal("the index is gone");  // changes nothing
                     };
                     tables_->update(table, activate, [](Result<TablePtr>) {});
                   });
}

}  // namespace nimbus::services::dynamodb
