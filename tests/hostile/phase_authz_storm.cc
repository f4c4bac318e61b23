// Phase 5: Leave / Purge / ConfirmMember / PutGrant storms from identities
// that are members of neither the random couple ids they name nor the honest
// couple. Each must be PERMISSION_DENIED (or RESOURCE_EXHAUSTED by a rate
// limit), and the honest couple must come out exactly as its writer left it.
#include "crypto/entry_codec.h"
#include "crypto/grant.h"
#include "tests/hostile/flood.h"
#include "tests/hostile/stage.h"
#include "tests/hostile/stage_calls.h"

namespace mend::hostile {
namespace {

namespace v1 = mend::v1;
using testing::TestMember;

constexpr size_t kCallsPerKind = 5000;  // per rpc and target

enum class Rpc { kLeave, kPurge, kConfirmMember, kPutGrant };
constexpr Rpc kRpcs[] = {Rpc::kLeave, Rpc::kPurge, Rpc::kConfirmMember, Rpc::kPutGrant};

const char* ToString(Rpc rpc) {
  switch (rpc) {
    case Rpc::kLeave:
      return "Couple.Leave";
    case Rpc::kPurge:
      return "Couple.Purge";
    case Rpc::kConfirmMember:
      return "Pairing.ConfirmMember";
    case Rpc::kPutGrant:
      return "Pairing.PutGrant";
  }
  return "?";
}

bool AuthzRefusal(grpc::StatusCode code) {
  return code == grpc::StatusCode::PERMISSION_DENIED ||
         code == grpc::StatusCode::RESOURCE_EXHAUSTED;
}

// Starts `rpc` by `caller` on `couple_id`, naming `victim` where a member is
// named; every field is well formed, so only authorization can refuse it.
void StartStorm(Rpc rpc, const TestMember& caller, const std::string& couple_id,
                const crypto::PublicIdentity& victim,
                std::function<void(const grpc::Status&)> done) {
  const CallOptions options{caller.token, "", Millis(10000)};
  auto finish = [done = std::move(done)](const grpc::Status& s, const auto&) { done(s); };
  switch (rpc) {
    case Rpc::kLeave: {
      v1::LeaveRequest r;
      r.set_couple_id(couple_id);
      StartUnary<v1::LeaveResponse>([&](auto... a) { caller.couple->async()->Leave(a...); }, r,
                                    options, finish);
      return;
    }
    case Rpc::kPurge: {
      v1::PurgeRequest r;
      r.set_couple_id(couple_id);
      StartUnary<v1::PurgeResponse>([&](auto... a) { caller.couple->async()->Purge(a...); }, r,
                                    options, finish);
      return;
    }
    case Rpc::kConfirmMember: {
      v1::ConfirmMemberRequest r;
      r.set_couple_id(couple_id);
      r.set_member(victim.sign_pk);
      StartUnary<v1::ConfirmMemberResponse>(
          [&](auto... a) { caller.pairing->async()->ConfirmMember(a...); }, r, options, finish);
      return;
    }
    case Rpc::kPutGrant: {
      v1::PutGrantRequest r;
      r.set_couple_id(couple_id);
      auto* g = r.mutable_grant();
      g->set_epoch(0);
      g->set_member(victim.sign_pk);
      g->set_sealed_key(crypto::RandomBytes(80));
      g->set_granter(caller.identity.sign_pk());
      g->set_key_id(crypto::RandomBytes(32));
      g->set_signature(caller.identity.Sign(
          crypto::GrantSignatureInput(couple_id, 0, victim.sign_pk, g->key_id(), g->sealed_key())));
      StartUnary<v1::PutGrantResponse>([&](auto... a) { caller.pairing->async()->PutGrant(a...); },
                                       r, options, finish);
      return;
    }
  }
}

// Reads the log up to `up_to` entries, page by page (a Fetch may stop at the
// server's page size): how many there are and the last one's entry hash.
grpc::Status FetchLog(const TestMember& member, const std::string& couple_id, uint64_t up_to,
                      uint64_t* count, std::string* last_hash) {
  Deadline deadline(Millis(60000));
  *count = 0;
  while (*count < up_to && !deadline.Expired()) {
    v1::FetchRequest req;
    req.set_couple_id(couple_id);
    req.set_after_seq(*count);
    grpc::ClientContext ctx;
    PrepareContext(&ctx, {member.token, "", Millis(30000)});
    auto reader = member.log->Fetch(&ctx, req);
    v1::Entry e;
    uint64_t page = 0;
    while (*count < up_to && reader->Read(&e)) {
      ++page;
      ++*count;
      *last_hash = crypto::EntryHash(e.header(), e.ciphertext());
    }
    if (*count == up_to) ctx.TryCancel();  // more than expected would be read as a short log anyway
    grpc::Status s = reader->Finish();
    if (!s.ok() && *count < up_to) return s;
    if (page == 0) break;
  }
  return grpc::Status::OK;
}

}  // namespace

size_t RunAuthzStorm(Stage& stage, StatusTally& tally) {
  std::ostream& out = *stage.out;
  const std::string honest_id = stage.honest->couple_id;
  const crypto::PublicIdentity victim = stage.honest->b->identity.public_identity();
  constexpr size_t kKinds = std::size(kRpcs) * 2;
  const size_t count = kCallsPerKind * kKinds * static_cast<size_t>(stage.scale);
  FloodResult r =
      RunFlood(count, kInFlight, Millis(60000 * stage.scale), [&](size_t i, CallDone done) {
        const Rpc rpc = kRpcs[i % std::size(kRpcs)];
        const bool at_honest = (i / std::size(kRpcs)) % 2 == 1;
        const TestMember& caller = *stage.throwaways[(i / kKinds) % stage.throwaways.size()];
        const std::string label =
            std::string(ToString(rpc)) + (at_honest ? " honest couple" : " random couple");
        StartStorm(rpc, caller, at_honest ? honest_id : crypto::RandomBytes(16), victim,
                   [&tally, label, done = std::move(done)](const grpc::Status& s) {
                     tally.Add(label, s, !AuthzRefusal(s.error_code()));
                     done(s);
                   });
      });
  out << "  " << r.finished << " calls in " << r.seconds << " s"
      << (r.capped ? " (stopped at the time cap)" : "") << "\n";
  tally.Print(out);
  const auto lines = tally.ViolationLines(10);
  for (const auto& line : lines) out << "  bad: " << line << "\n";
  stage.checks->Expect(
      tally.violations() == 0, "non-members are refused",
      tally.violations() == 0
          ? std::to_string(tally.Total()) + " answers, all PERMISSION_DENIED or RESOURCE_EXHAUSTED"
          : std::to_string(tally.violations()) + " of " + std::to_string(tally.Total()) +
                " answers were neither PERMISSION_DENIED nor RESOURCE_EXHAUSTED; first: " +
                lines.front());
  return r.finished;
}

void CheckHonestCoupleIntact(Stage& stage) {
  testing::TestCouple& c = *stage.honest;
  std::string problem;
  v1::GetCoupleRequest creq;
  creq.set_couple_id(c.couple_id);
  v1::GetCoupleResponse couple;
  grpc::ClientContext cctx;
  PrepareContext(&cctx, {c.a->token, "", Millis(10000)});
  grpc::Status s = c.a->pairing->GetCouple(&cctx, creq, &couple);
  if (!s.ok()) {
    problem = "GetCouple: " + Describe(s);
  } else {
    int active = 0;
    for (const auto& m : couple.members()) active += m.state() == v1::MEMBER_STATE_ACTIVE;
    if (couple.closed() || couple.members_size() != 2 || active != 2) {
      problem = "membership changed: " + std::to_string(couple.members_size()) + " members, " +
                std::to_string(active) + " active, closed=" + (couple.closed() ? "yes" : "no");
    }
  }
  v1::Head head;
  if (problem.empty()) {
    s = GetHead(*c.a, c.couple_id, &head);
    if (!s.ok()) {
      problem = "GetHead: " + Describe(s);
    } else if (head.seq() != stage.honest_head.seq() || head.hash() != stage.honest_head.hash()) {
      problem = "head is seq " + std::to_string(head.seq()) + ", the writer left it at " +
                std::to_string(stage.honest_head.seq());
    }
  }
  if (problem.empty()) {
    uint64_t n = 0;
    std::string last_hash;
    s = FetchLog(*c.b, c.couple_id, head.seq(), &n, &last_hash);
    if (!s.ok()) {
      problem = "Fetch: " + Describe(s);
    } else if (n != head.seq() || (n > 0 && last_hash != head.hash())) {
      problem = "the log holds " + std::to_string(n) + " entries ending elsewhere than the head (" +
                std::to_string(head.seq()) + ")";
    }
  }
  stage.checks->Expect(problem.empty(), "honest couple intact after the storms",
                       problem.empty() ? "2 active members, open, " + std::to_string(head.seq()) +
                                             " entries ending at the writer's head"
                                       : problem);
}

}  // namespace mend::hostile
