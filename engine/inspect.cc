// The inspect job (see header): a TablespaceReader feeding a SpaceSummary per tablespace,
// tablespaces spread over worker threads.
#include "engine/inspect.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "absl/strings/str_format.h"
#include "innodb/base/status.h"

namespace tidemark::engine {

TablespaceReport InspectTablespace(io::FileSystem& fs, const TablespaceTarget& target,
                                   const InspectOptions& options) {
  TablespaceReport r{.target = target};
  auto reader = TablespaceReader::Open(fs, target, options.read);
  if (!reader.ok()) {
    r.status = reader.status();
    return r;
  }
  r.header = (*reader)->header();
  r.context = (*reader)->context();
  r.summary.emplace(r.context, options.since_lsn, options.list_changed);
  r.status = (*reader)->ReadPages([&](uint32_t no, ByteSpan page, innodb::PageVerdict v) {
    r.summary->AddPage(no, page, v);
    return absl::OkStatus();
  });
  r.file_bytes = (*reader)->bytes_read();
  return r;
}

std::vector<TablespaceReport> InspectTablespaces(io::FileSystem& fs,
                                                 const std::vector<TablespaceTarget>& targets,
                                                 const InspectOptions& options) {
  std::vector<TablespaceReport> reports(targets.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < targets.size();) {
      reports[i] = InspectTablespace(fs, targets[i], options);
    }
  };
  const size_t n = std::max<size_t>(1, std::min(options.parallel, targets.size()));
  std::vector<std::jthread> workers;
  for (size_t i = 1; i < n; ++i) workers.emplace_back(work);
  work();
  return reports;
}

}  // namespace tidemark::engine
