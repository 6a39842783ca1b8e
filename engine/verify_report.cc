// Text and JSON forms of a verify result (see header).
#include "engine/verify_report.h"

#include <map>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace tidemark::engine {

namespace {

std::map<std::string, int> Counts(const VerifyResult& r) {
  std::map<std::string, int> counts;
  for (const VerifyProblem& p : r.problems) ++counts[std::string(VerifyProblemKindName(p.kind))];
  return counts;
}

}  // namespace

std::string VerifyProblemLine(const VerifyProblem& p) {
  std::string where = p.file.empty() ? "(backup)" : p.file;
  if (p.page) where += absl::StrFormat(" page %d", *p.page);
  return absl::StrFormat("%s: %s: %s", VerifyProblemKindName(p.kind), where, p.detail);
}

std::string VerifySummaryLine(std::string_view target_dir, const VerifyResult& r) {
  std::string outcome = "ok";
  if (!r.ok()) {
    std::vector<std::string> parts;
    for (const auto& [kind, n] : Counts(r)) parts.push_back(absl::StrFormat("%s %d", kind, n));
    outcome = absl::StrFormat("%d problem%s (%s)", r.problems.size(),
                              r.problems.size() == 1 ? "" : "s", absl::StrJoin(parts, ", "));
  }
  return absl::StrFormat(
      "verify '%s': %s; checked %d files%s, %d tablespaces, %d deltas, %d pages%s", target_dir,
      outcome, r.files_checked,
      r.files_decoded > 0 ? absl::StrFormat(" (%d decoded)", r.files_decoded) : "",
      r.tablespaces_checked, r.deltas_checked, r.pages_checked,
      r.redo_checked ? ", the redo log" : "");
}

std::string VerifyReportText(std::string_view target_dir, const VerifyResult& r) {
  std::string out;
  for (const VerifyProblem& p : r.problems) out += VerifyProblemLine(p) + "\n";
  for (const std::string& n : r.notes) out += "note: " + n + "\n";
  return out + VerifySummaryLine(target_dir, r) + "\n";
}

nlohmann::ordered_json VerifyReportJson(std::string_view target_dir, const VerifyResult& r) {
  nlohmann::ordered_json j;
  j["target_dir"] = std::string(target_dir);
  j["ok"] = r.ok();
  j["backup_type"] = r.backup_type;
  j["prepared"] = r.prepared;
  j["to_lsn"] = r.to_lsn.value();
  j["last_lsn"] = r.last_lsn.value();
  j["checked"] = {{"files", r.files_checked},   {"tablespaces", r.tablespaces_checked},
                  {"deltas", r.deltas_checked}, {"pages", r.pages_checked},
                  {"redo", r.redo_checked},     {"decoded", r.files_decoded}};
  j["counts"] = nlohmann::ordered_json::object();
  for (const auto& [kind, n] : Counts(r)) j["counts"][kind] = n;
  j["notes"] = r.notes;
  j["problems"] = nlohmann::ordered_json::array();
  for (const VerifyProblem& p : r.problems) {
    nlohmann::ordered_json e;
    e["kind"] = std::string(VerifyProblemKindName(p.kind));
    e["file"] = p.file;
    if (p.page) e["page"] = *p.page;
    if (p.lsn) e["lsn"] = *p.lsn;
    e["detail"] = p.detail;
    j["problems"].push_back(std::move(e));
  }
  return j;
}

}  // namespace tidemark::engine
