// Phase 4: a throwaway couple's creator posts invites without end (4 KiB
// offers, a day's lifetime), and anonymous clients look up random invite ids
// from many spoofed addresses. mendd must bound what a creator can keep open
// (by refusing with RESOURCE_EXHAUSTED, or by withdrawing older invites) and
// must not grow per invite or per looking-up address.
#include <mutex>

#include "tests/hostile/flood.h"
#include "tests/hostile/spoofed_addresses.h"
#include "tests/hostile/stage.h"
#include "tests/hostile/stage_calls.h"

namespace mend::hostile {
namespace {

namespace v1 = mend::v1;

constexpr size_t kInvites = 3000;
constexpr size_t kLookups = 10000;
constexpr size_t kEarliestSample = 10;

struct Accepted {
  std::mutex mu;
  std::vector<char> ok;  // by invite index
};

// GetInvite from a fresh spoofed address, retrying RESOURCE_EXHAUSTED (each
// try from another address) until `deadline`.
grpc::Status LookUp(testing::TestMember& stubs, const std::string& invite_id,
                    SpoofedAddresses& addresses, const Deadline& deadline) {
  return RetryWhileExhausted(deadline, [&] {
    v1::GetInviteRequest req;
    req.set_invite_id(invite_id);
    v1::GetInviteResponse resp;
    grpc::ClientContext ctx;
    PrepareContext(&ctx, {"", addresses.Next(AddressKind::kIpv4), Millis(10000)});
    return stubs.pairing->GetInvite(&ctx, req, &resp);
  });
}

}  // namespace

size_t RunInviteFlood(Stage& stage, StatusTally& tally) {
  std::ostream& out = *stage.out;
  size_t creator_index = 0;
  while (creator_index < stage.own_couple.size() && stage.own_couple[creator_index].empty())
    ++creator_index;
  if (creator_index == stage.own_couple.size()) {
    stage.checks->Expect(false, "invite flood", "no throwaway created a couple");
    return 0;
  }
  testing::TestMember& creator = *stage.throwaways[creator_index];
  const std::string couple_id = stage.own_couple[creator_index];

  const size_t count = kInvites * static_cast<size_t>(stage.scale);
  std::vector<std::string> ids;
  ids.reserve(count);
  for (size_t i = 0; i < count; ++i) ids.push_back(crypto::RandomBytes(16));
  auto accepted = std::make_shared<Accepted>();
  accepted->ok.assign(count, 0);
  const std::string offer = crypto::RandomBytes(4096);
  FloodResult posts =
      RunFlood(count, 16, Millis(40000 * stage.scale), [&](size_t i, CallDone done) {
        v1::PostInviteRequest req;
        req.set_couple_id(couple_id);
        req.set_invite_id(ids[i]);
        req.set_offer_ct(offer);
        req.set_ttl_seconds(86400);
        StartUnary<v1::PostInviteResponse>(
            [&](auto... a) { creator.pairing->async()->PostInvite(a...); }, req,
            {creator.token, "", Millis(10000)},
            [&tally, accepted, i, done = std::move(done)](const grpc::Status& s,
                                                          const v1::PostInviteResponse&) {
              tally.Add("Pairing.PostInvite flood", s, IsBroken(s.error_code()));
              if (s.ok()) {
                std::lock_guard lock(accepted->mu);
                accepted->ok[i] = 1;
              }
              done(s);
            });
      });
  std::vector<size_t> accepted_order;
  {
    std::lock_guard lock(accepted->mu);
    for (size_t i = 0; i < count; ++i) {
      if (accepted->ok[i]) accepted_order.push_back(i);
    }
  }
  const size_t exhausted =
      tally.Count("Pairing.PostInvite flood", grpc::StatusCode::RESOURCE_EXHAUSTED);
  out << "  invites: " << accepted_order.size() << " of " << posts.finished << " accepted, "
      << exhausted << " RESOURCE_EXHAUSTED, in " << posts.seconds << " s"
      << (posts.capped ? " (stopped at the time cap)" : "") << "\n";

  // Are the earliest accepted invites still there? (Calls are issued in
  // order, so low indexes were accepted first, give or take the in-flight window.)
  SpoofedAddresses addresses(4);
  size_t earliest_open = 0, earliest_gone = 0, latest_open = 0, undetermined = 0;
  Deadline lookup_deadline(Millis(20000));
  auto look = [&](size_t index, size_t* open) {
    grpc::Status s = LookUp(creator, ids[index], addresses, lookup_deadline);
    tally.Add("Pairing.GetInvite sample", s, IsBroken(s.error_code()));
    if (s.ok()) {
      ++*open;
    } else if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
      if (open == &earliest_open) ++earliest_gone;
    } else {
      ++undetermined;
    }
  };
  const size_t sample = std::min(kEarliestSample, accepted_order.size());
  if (accepted_order.size() > 3 * sample) {
    for (size_t k = 0; k < sample; ++k) look(accepted_order[k], &earliest_open);
    look(accepted_order.back(), &latest_open);
  }
  out << "  earliest " << sample << " accepted invites: " << earliest_open << " still open, "
      << earliest_gone << " withdrawn, " << undetermined
      << " undetermined; newest still open: " << (latest_open ? "yes" : "no") << "\n";

  FloodResult lookups = RunFlood(
      kLookups * static_cast<size_t>(stage.scale), kInFlight, Millis(30000 * stage.scale),
      [&](size_t i, CallDone done) {
        auto* stubs = stage.throwaways[i % stage.throwaways.size()].get();
        v1::GetInviteRequest req;
        req.set_invite_id(crypto::RandomBytes(16));
        const std::string xff =
            addresses.Next(i % 2 ? AddressKind::kIpv4 : AddressKind::kIpv6ManyBlocks);
        StartUnary<v1::GetInviteResponse>(
            [&](auto... a) { stubs->pairing->async()->GetInvite(a...); }, req,
            {"", xff, Millis(10000)},
            [&tally, done = std::move(done)](const grpc::Status& s, const v1::GetInviteResponse&) {
              tally.Add("Pairing.GetInvite spoofed", s, IsBroken(s.error_code()));
              done(s);
            });
      });
  out << "  anonymous lookups: " << lookups.finished << " in " << lookups.seconds << " s"
      << (lookups.capped ? " (stopped at the time cap)" : "") << "\n";
  tally.Print(out);
  const auto lines = tally.ViolationLines(10);
  for (const auto& line : lines) out << "  bad: " << line << "\n";
  stage.checks->Expect(
      tally.violations() == 0, "invite flood answered",
      tally.violations() == 0
          ? std::to_string(tally.Total()) + " answers, none broken"
          : std::to_string(tally.violations()) +
                " answers were INTERNAL/UNKNOWN/no answer; first: " + lines.front());

  const bool refused = exhausted > 0;
  const bool withdrawn = sample > 0 && earliest_gone > 0;
  std::string detail = std::to_string(accepted_order.size()) + " of " +
                       std::to_string(posts.finished) + " invites accepted, " +
                       std::to_string(exhausted) + " refused, " + std::to_string(earliest_gone) +
                       " of the earliest " + std::to_string(sample) + " withdrawn";
  if (!refused && !withdrawn) {
    detail += undetermined == sample && sample > 0
                  ? " (every lookup was rate-limited: could not tell whether older invites were "
                    "withdrawn)"
                  : "; one creator can keep every invite open (4 KiB each, a day each)";
  }
  stage.checks->Expect(refused || withdrawn, "open invites are bounded", detail);
  return tally.Total();
}

}  // namespace mend::hostile
