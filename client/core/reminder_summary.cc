#include "client/core/reminder_summary.h"

#include <charconv>
#include <filesystem>

#include "base/atomic_file.h"
#include "base/status_macros.h"
#include "client/core/problem.h"
#include "client/state/calendar.h"
#include "nlohmann/json.hpp"

namespace mend::client {

std::string ReminderSummaryPath(const Profile& profile) { return profile.dir() + "/owed.json"; }

absl::Status WriteReminderSummary(const Profile& profile, const ProfileState& state,
                                  const CoupleState& couple, int64_t now_unix_ms) {
  nlohmann::json owed = nlohmann::json::array();
  for (const Obligation& o :
       Obligations(couple, state.sign_pk, LocalDate(now_unix_ms), now_unix_ms)) {
    if (!o.mine) continue;
    nlohmann::json item = {{"what", ObligationWord(o.what)}, {"seq", o.seq}};
    if (!o.review_date.empty()) item["review_date"] = o.review_date;
    owed.push_back(item);  // o.subject is the partner's words: not on disk
  }
  nlohmann::json j = {{"version", 2},
                      {"as_of_unix_ms", now_unix_ms},
                      {"partner", state.partner ? state.partner->name : ""},
                      {"owed_by_me", owed}};
  return base::AtomicWriteFile(ReminderSummaryPath(profile), j.dump() + "\n", 0600);
}

absl::StatusOr<ReminderSummary> ReadReminderSummary(const Profile& profile) {
  const std::string path = ReminderSummaryPath(profile);
  if (!std::filesystem::exists(path)) {
    return WithProblem(absl::NotFoundError("no reminder summary yet"), Problem::kNoReminderSummary);
  }
  ASSIGN_OR_RETURN(std::string text, base::ReadWholeFile(path));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.value("owed_by_me", nlohmann::json()).is_array()) {
    return WithProblem(absl::DataLossError(path + " is damaged"), Problem::kNoReminderSummary);
  }
  ReminderSummary out;
  out.as_of_unix_ms = j.value("as_of_unix_ms", int64_t{0});
  out.partner = j.value("partner", std::string());
  for (const auto& item : j["owed_by_me"]) {
    Obligation o;
    o.mine = true;
    if (!item.is_object() || !item.value("seq", nlohmann::json()).is_number_unsigned() ||
        !ParseObligationWord(item.value("what", std::string()), &o.what)) {
      return WithProblem(absl::DataLossError(path + " is damaged"), Problem::kNoReminderSummary);
    }
    o.seq = item["seq"].get<uint64_t>();
    o.review_date = item.value("review_date", std::string());
    out.owed.push_back(std::move(o));
  }
  return out;
}

namespace {
std::string ReminderRunPath(const Profile& profile) { return profile.dir() + "/reminded"; }
}  // namespace

absl::Status RecordReminderRun(const Profile& profile, int64_t now_unix_ms) {
  // Not fsynced: a lost record only makes the doctor think the reminder is late.
  return base::AtomicWriteFile(ReminderRunPath(profile), std::to_string(now_unix_ms) + "\n", 0600,
                               base::Durability::kCache);
}

int64_t LastReminderRun(const Profile& profile) {
  auto text = base::ReadWholeFile(ReminderRunPath(profile));
  if (!text.ok()) return 0;
  int64_t ms = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), ms);
  return error == std::errc() && ms > 0 ? ms : 0;
}

}  // namespace mend::client
