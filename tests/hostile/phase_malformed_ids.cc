// Phase 2: random ids of every length to every rpc that takes a couple_id,
// invite_id, member or box_pk. Every answer must be a status, never a hang or
// a crash; an id of the wrong length must be refused as INVALID_ARGUMENT (or
// by authentication, authorization or a rate limit first), never accepted and
// never an INTERNAL/UNKNOWN error.
#include <array>
#include <functional>

#include "crypto/grant.h"
#include "tests/hostile/flood.h"
#include "tests/hostile/spoofed_addresses.h"
#include "tests/hostile/stage.h"

namespace mend::hostile {
namespace {

using testing::TestMember;
namespace v1 = mend::v1;

constexpr std::array<size_t, 9> kLengths = {0, 1, 15, 16, 17, 32, 1000, 65536, 256 * 1024};
constexpr size_t kRepeats = 25;  // per rpc, field and length

enum class CallerKind {
  kAnyone,         // any logged-in throwaway
  kWithCouple,     // one that created a couple (so that the other fields pass)
  kWithoutCouple,  // one in no couple (CreateCouple, JoinCouple)
  kAnonymous,      // no token, a spoofed address
};

struct Caller {
  TestMember* member;  // its stubs; its token unless anonymous
  std::string own_couple;
  std::string forwarded_for;
  bool anonymous = false;
  CallOptions options() const {
    return {anonymous ? "" : member->token, forwarded_for, Millis(10000)};
  }
};

using StartProbe = std::function<void(const Caller&, const std::string& value, CallDone)>;

struct Probe {
  std::string label;    // "Couple.Leave couple_id"
  size_t right_length;  // 0: no length is right
  CallerKind caller;
  StartProbe start;
};

// Adapts a unary completion to a CallDone.
template <typename Response>
auto Finish(CallDone done) {
  return [done = std::move(done)](const grpc::Status& s, const Response&) { done(s); };
}

v1::KeyGrant SignedGrant(const TestMember& granter, const std::string& couple_id,
                         const std::string& member) {
  v1::KeyGrant g;
  g.set_epoch(0);
  g.set_member(member);
  g.set_sealed_key(crypto::RandomBytes(80));
  g.set_granter(granter.identity.sign_pk());
  g.set_key_id(crypto::RandomBytes(32));
  g.set_signature(granter.identity.Sign(
      crypto::GrantSignatureInput(couple_id, 0, member, g.key_id(), g.sealed_key())));
  return g;
}

// A signed-looking entry whose header names `couple_id`; nothing in it verifies.
v1::Entry GarbageEntry(const TestMember& author, const std::string& couple_id) {
  v1::EntryHeader h;
  h.set_version(crypto::kEntryVersion);
  h.set_couple_id(couple_id);
  h.set_seq(1);
  h.set_prev_hash(crypto::RandomBytes(32));
  h.set_author(author.identity.sign_pk());
  h.set_nonce(crypto::RandomBytes(24));
  v1::Entry e;
  e.set_header(h.SerializeAsString());
  e.set_ciphertext(crypto::RandomBytes(272));
  e.set_signature(crypto::RandomBytes(64));
  return e;
}

std::vector<Probe> Probes() {
  std::vector<Probe> p;
  auto couple_id_probe = [&](std::string label, auto start) {
    p.push_back({std::move(label) + " couple_id", 16, CallerKind::kAnyone, start});
  };
  couple_id_probe("Couple.Leave", [](const Caller& c, const std::string& v, CallDone done) {
    v1::LeaveRequest r;
    r.set_couple_id(v);
    StartUnary<v1::LeaveResponse>([&](auto... a) { c.member->couple->async()->Leave(a...); }, r,
                                  c.options(), Finish<v1::LeaveResponse>(std::move(done)));
  });
  couple_id_probe("Couple.Purge", [](const Caller& c, const std::string& v, CallDone done) {
    v1::PurgeRequest r;
    r.set_couple_id(v);
    StartUnary<v1::PurgeResponse>([&](auto... a) { c.member->couple->async()->Purge(a...); }, r,
                                  c.options(), Finish<v1::PurgeResponse>(std::move(done)));
  });
  couple_id_probe("Pairing.ConfirmMember",
                  [](const Caller& c, const std::string& v, CallDone done) {
                    v1::ConfirmMemberRequest r;
                    r.set_couple_id(v);
                    r.set_member(crypto::RandomBytes(32));
                    StartUnary<v1::ConfirmMemberResponse>(
                        [&](auto... a) { c.member->pairing->async()->ConfirmMember(a...); }, r,
                        c.options(), Finish<v1::ConfirmMemberResponse>(std::move(done)));
                  });
  p.push_back({"Pairing.ConfirmMember member", 32, CallerKind::kWithCouple,
               [](const Caller& c, const std::string& v, CallDone done) {
                 v1::ConfirmMemberRequest r;
                 r.set_couple_id(c.own_couple);
                 r.set_member(v);
                 StartUnary<v1::ConfirmMemberResponse>(
                     [&](auto... a) { c.member->pairing->async()->ConfirmMember(a...); }, r,
                     c.options(), Finish<v1::ConfirmMemberResponse>(std::move(done)));
               }});
  couple_id_probe("Pairing.PutGrant", [](const Caller& c, const std::string& v, CallDone done) {
    v1::PutGrantRequest r;
    r.set_couple_id(v);
    *r.mutable_grant() = SignedGrant(*c.member, v, c.member->identity.sign_pk());
    StartUnary<v1::PutGrantResponse>([&](auto... a) { c.member->pairing->async()->PutGrant(a...); },
                                     r, c.options(), Finish<v1::PutGrantResponse>(std::move(done)));
  });
  p.push_back({"Pairing.PutGrant grant.member", 32, CallerKind::kWithCouple,
               [](const Caller& c, const std::string& v, CallDone done) {
                 v1::PutGrantRequest r;
                 r.set_couple_id(c.own_couple);
                 *r.mutable_grant() = SignedGrant(*c.member, c.own_couple, v);
                 StartUnary<v1::PutGrantResponse>(
                     [&](auto... a) { c.member->pairing->async()->PutGrant(a...); }, r, c.options(),
                     Finish<v1::PutGrantResponse>(std::move(done)));
               }});
  couple_id_probe("Pairing.PostInvite", [](const Caller& c, const std::string& v, CallDone done) {
    v1::PostInviteRequest r;
    r.set_couple_id(v);
    r.set_invite_id(crypto::RandomBytes(16));
    r.set_offer_ct("opaque offer");
    r.set_ttl_seconds(3600);
    StartUnary<v1::PostInviteResponse>(
        [&](auto... a) { c.member->pairing->async()->PostInvite(a...); }, r, c.options(),
        Finish<v1::PostInviteResponse>(std::move(done)));
  });
  p.push_back({"Pairing.PostInvite invite_id", 16, CallerKind::kWithCouple,
               [](const Caller& c, const std::string& v, CallDone done) {
                 v1::PostInviteRequest r;
                 r.set_couple_id(c.own_couple);
                 r.set_invite_id(v);
                 r.set_offer_ct("opaque offer");
                 r.set_ttl_seconds(3600);
                 StartUnary<v1::PostInviteResponse>(
                     [&](auto... a) { c.member->pairing->async()->PostInvite(a...); }, r,
                     c.options(), Finish<v1::PostInviteResponse>(std::move(done)));
               }});
  couple_id_probe("Pairing.GetJoin", [](const Caller& c, const std::string& v, CallDone done) {
    v1::GetJoinRequest r;
    r.set_couple_id(v);
    StartUnary<v1::GetJoinResponse>([&](auto... a) { c.member->pairing->async()->GetJoin(a...); },
                                    r, c.options(), Finish<v1::GetJoinResponse>(std::move(done)));
  });
  couple_id_probe("Pairing.GetGrants", [](const Caller& c, const std::string& v, CallDone done) {
    v1::GetGrantsRequest r;
    r.set_couple_id(v);
    StartUnary<v1::GetGrantsResponse>(
        [&](auto... a) { c.member->pairing->async()->GetGrants(a...); }, r, c.options(),
        Finish<v1::GetGrantsResponse>(std::move(done)));
  });
  couple_id_probe("Pairing.GetCouple", [](const Caller& c, const std::string& v, CallDone done) {
    v1::GetCoupleRequest r;
    r.set_couple_id(v);
    StartUnary<v1::GetCoupleResponse>(
        [&](auto... a) { c.member->pairing->async()->GetCouple(a...); }, r, c.options(),
        Finish<v1::GetCoupleResponse>(std::move(done)));
  });
  couple_id_probe("Log.GetHead", [](const Caller& c, const std::string& v, CallDone done) {
    v1::GetHeadRequest r;
    r.set_couple_id(v);
    StartUnary<v1::Head>([&](auto... a) { c.member->log->async()->GetHead(a...); }, r, c.options(),
                         Finish<v1::Head>(std::move(done)));
  });
  couple_id_probe("Log.Fetch", [](const Caller& c, const std::string& v, CallDone done) {
    v1::FetchRequest r;
    r.set_couple_id(v);
    StreamProbe::Run([&](auto... a) { c.member->log->async()->Fetch(a...); }, r, c.options(), false,
                     std::move(done));
  });
  couple_id_probe("Log.Watch", [](const Caller& c, const std::string& v, CallDone done) {
    v1::WatchRequest r;
    r.set_couple_id(v);
    CallOptions o = c.options();
    o.timeout = Millis(5000);  // an accepted watch would otherwise idle until the deadline
    StreamProbe::Run([&](auto... a) { c.member->log->async()->Watch(a...); }, r, o, true,
                     std::move(done));
  });
  p.push_back({"Log.Append header.couple_id", 16, CallerKind::kAnyone,
               [](const Caller& c, const std::string& v, CallDone done) {
                 v1::AppendRequest r;
                 *r.mutable_entry() = GarbageEntry(*c.member, v);
                 StartUnary<v1::AppendResponse>(
                     [&](auto... a) { c.member->log->async()->Append(a...); }, r, c.options(),
                     Finish<v1::AppendResponse>(std::move(done)));
               }});
  p.push_back({"Log.Append header(raw bytes)", 0, CallerKind::kAnyone,
               [](const Caller& c, const std::string& v, CallDone done) {
                 v1::AppendRequest r;
                 r.mutable_entry()->set_header(v);
                 r.mutable_entry()->set_ciphertext(crypto::RandomBytes(272));
                 r.mutable_entry()->set_signature(crypto::RandomBytes(64));
                 StartUnary<v1::AppendResponse>(
                     [&](auto... a) { c.member->log->async()->Append(a...); }, r, c.options(),
                     Finish<v1::AppendResponse>(std::move(done)));
               }});
  p.push_back({"Pairing.GetInvite invite_id", 16, CallerKind::kAnonymous,
               [](const Caller& c, const std::string& v, CallDone done) {
                 v1::GetInviteRequest r;
                 r.set_invite_id(v);
                 StartUnary<v1::GetInviteResponse>(
                     [&](auto... a) { c.member->pairing->async()->GetInvite(a...); }, r,
                     c.options(), Finish<v1::GetInviteResponse>(std::move(done)));
               }});
  p.push_back({"Pairing.JoinCouple invite_id", 16, CallerKind::kWithoutCouple,
               [](const Caller& c, const std::string& v, CallDone done) {
                 v1::JoinCoupleRequest r;
                 r.set_invite_id(v);
                 r.set_box_pk(c.member->identity.box_pk());
                 r.set_answer_ct("opaque answer");
                 StartUnary<v1::JoinCoupleResponse>(
                     [&](auto... a) { c.member->pairing->async()->JoinCouple(a...); }, r,
                     c.options(), Finish<v1::JoinCoupleResponse>(std::move(done)));
               }});
  p.push_back({"Pairing.JoinCouple box_pk", 32, CallerKind::kWithoutCouple,
               [](const Caller& c, const std::string& v, CallDone done) {
                 v1::JoinCoupleRequest r;
                 r.set_invite_id(crypto::RandomBytes(16));
                 r.set_box_pk(v);
                 r.set_answer_ct("opaque answer");
                 StartUnary<v1::JoinCoupleResponse>(
                     [&](auto... a) { c.member->pairing->async()->JoinCouple(a...); }, r,
                     c.options(), Finish<v1::JoinCoupleResponse>(std::move(done)));
               }});
  p.push_back({"Pairing.CreateCouple couple_id", 16, CallerKind::kWithoutCouple,
               [](const Caller& c, const std::string& v, CallDone done) {
                 v1::CreateCoupleRequest r;
                 r.set_couple_id(v);
                 r.set_box_pk(c.member->identity.box_pk());
                 StartUnary<v1::CreateCoupleResponse>(
                     [&](auto... a) { c.member->pairing->async()->CreateCouple(a...); }, r,
                     c.options(), Finish<v1::CreateCoupleResponse>(std::move(done)));
               }});
  p.push_back({"Pairing.CreateCouple box_pk", 32, CallerKind::kWithoutCouple,
               [](const Caller& c, const std::string& v, CallDone done) {
                 v1::CreateCoupleRequest r;
                 r.set_couple_id(crypto::RandomBytes(16));
                 r.set_box_pk(v);
                 StartUnary<v1::CreateCoupleResponse>(
                     [&](auto... a) { c.member->pairing->async()->CreateCouple(a...); }, r,
                     c.options(), Finish<v1::CreateCoupleResponse>(std::move(done)));
               }});
  p.push_back({"Auth.Challenge member", 32, CallerKind::kAnonymous,
               [](const Caller& c, const std::string& v, CallDone done) {
                 v1::ChallengeRequest r;
                 r.set_member(v);
                 StartUnary<v1::ChallengeResponse>(
                     [&](auto... a) { c.member->auth->async()->Challenge(a...); }, r, c.options(),
                     Finish<v1::ChallengeResponse>(std::move(done)));
               }});
  p.push_back({"Auth.Login member", 32, CallerKind::kAnonymous,
               [](const Caller& c, const std::string& v, CallDone done) {
                 v1::LoginRequest r;
                 r.set_member(v);
                 r.set_nonce(crypto::RandomBytes(32));
                 r.set_signature(crypto::RandomBytes(64));
                 StartUnary<v1::LoginResponse>(
                     [&](auto... a) { c.member->auth->async()->Login(a...); }, r, c.options(),
                     Finish<v1::LoginResponse>(std::move(done)));
               }});
  return p;
}

// What a request with an id of the wrong length may be answered with.
bool RefusesMalformed(grpc::StatusCode code) {
  return code == grpc::StatusCode::INVALID_ARGUMENT ||
         code == grpc::StatusCode::PERMISSION_DENIED || code == grpc::StatusCode::UNAUTHENTICATED ||
         code == grpc::StatusCode::RESOURCE_EXHAUSTED;
}

}  // namespace

size_t RunMalformedIds(Stage& stage, StatusTally& tally) {
  const std::vector<Probe> probes = Probes();
  std::vector<Caller> anyone, with_couple, without_couple;
  for (size_t i = 0; i < stage.throwaways.size(); ++i) {
    Caller c{stage.throwaways[i].get(), stage.own_couple[i], ""};
    anyone.push_back(c);
    (c.own_couple.empty() ? without_couple : with_couple).push_back(c);
  }
  if (with_couple.empty() || without_couple.empty()) {
    stage.checks->Expect(false, "malformed ids",
                         "the stage has no throwaway with (or without) a couple");
    return 0;
  }
  SpoofedAddresses addresses(2);
  const size_t cells = probes.size() * kLengths.size();
  const size_t count = cells * kRepeats * static_cast<size_t>(stage.scale);
  FloodResult r =
      RunFlood(count, kInFlight, Millis(60000 * stage.scale), [&](size_t i, CallDone done) {
        const size_t cell = i % cells;
        const size_t round = i / cells;
        const Probe& probe = probes[cell / kLengths.size()];
        const size_t length = kLengths[cell % kLengths.size()];
        const std::vector<Caller>& pool = probe.caller == CallerKind::kWithCouple ? with_couple
                                          : probe.caller == CallerKind::kWithoutCouple
                                              ? without_couple
                                              : anyone;
        Caller caller = pool[(round + cell) % pool.size()];
        // The pre-membership calls are limited per client address: a fresh
        // spoofed one each lets them reach validation on a server that trusts
        // the proxy header.
        caller.anonymous = probe.caller == CallerKind::kAnonymous;
        if (caller.anonymous || probe.caller == CallerKind::kWithoutCouple) {
          caller.forwarded_for = addresses.Next(AddressKind::kIpv4);
        }
        const bool right = probe.right_length != 0 && length == probe.right_length;
        probe.start(caller, crypto::RandomBytes(length),
                    [&tally, label = probe.label, length, right,
                     done = std::move(done)](const grpc::Status& s) {
                      const bool bad =
                          IsBroken(s.error_code()) || (!right && !RefusesMalformed(s.error_code()));
                      tally.Add(label, s, bad, "len " + std::to_string(length));
                      done(s);
                    });
      });
  std::ostream& out = *stage.out;
  out << "  " << r.finished << " calls in " << r.seconds << " s"
      << (r.capped ? " (stopped at the time cap)" : "") << "\n";
  tally.Print(out);
  const auto lines = tally.ViolationLines(25);
  for (const auto& line : lines) out << "  bad: " << line << "\n";
  stage.checks->Expect(
      tally.violations() == 0, "malformed ids are refused",
      tally.violations() == 0
          ? std::to_string(tally.Total()) + " answers, none OK/INTERNAL/UNKNOWN for a wrong length"
          : std::to_string(tally.violations()) + " of " + std::to_string(tally.Total()) +
                " answers broke the rule (wrong length -> INVALID_ARGUMENT / PERMISSION_DENIED / "
                "UNAUTHENTICATED / RESOURCE_EXHAUSTED; never INTERNAL, UNKNOWN, a hang); first: " +
                (lines.empty() ? "" : lines.front()));
  return r.finished;
}

}  // namespace mend::hostile
