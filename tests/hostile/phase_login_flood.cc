// Phase 3: challenge and login floods from fresh keys, half of them straight
// from 127.0.0.1 and half through the trusted proxy header with spoofed
// client addresses (distinct IPv4 ones, many hosts of one IPv6 /64, many
// /64s, and malformed header values). A challenge or login must cost mendd
// no memory it keeps; any answer but a broken one is acceptable here (the
// rate limits decide which), except that a replayed login must never work.
#include <mutex>

#include "tests/hostile/flood.h"
#include "tests/hostile/spoofed_addresses.h"
#include "tests/hostile/stage.h"

namespace mend::hostile {
namespace {

namespace v1 = mend::v1;

constexpr size_t kChallenges = 20000;
constexpr size_t kLogins = 4000;
constexpr size_t kReplays = 200;

// Where a call claims to come from; nullopt-like kDirect has no header.
enum class Origin { kDirect, kIpv4, kIpv6OneBlock, kIpv6ManyBlocks, kGarbage };

const char* ToString(Origin o) {
  switch (o) {
    case Origin::kDirect:
      return "direct";
    case Origin::kIpv4:
      return ToString(AddressKind::kIpv4);
    case Origin::kIpv6OneBlock:
      return ToString(AddressKind::kIpv6OneBlock);
    case Origin::kIpv6ManyBlocks:
      return ToString(AddressKind::kIpv6ManyBlocks);
    case Origin::kGarbage:
      return ToString(AddressKind::kGarbage);
  }
  return "?";
}

// Half direct; the other half 15% each of v4, one /64 and many /64s, 5% garbage.
Origin ChallengeOrigin(size_t i) {
  size_t k = i % 20;
  if (k < 10) return Origin::kDirect;
  if (k < 13) return Origin::kIpv4;
  if (k < 16) return Origin::kIpv6OneBlock;
  if (k < 19) return Origin::kIpv6ManyBlocks;
  return Origin::kGarbage;
}

// Half direct; a quarter each distinct v4 and distinct /64s.
Origin LoginOrigin(size_t i) {
  size_t k = i % 4;
  return k < 2 ? Origin::kDirect : k == 2 ? Origin::kIpv4 : Origin::kIpv6ManyBlocks;
}

std::string ForwardedFor(SpoofedAddresses& addresses, Origin o) {
  switch (o) {
    case Origin::kDirect:
      return "";
    case Origin::kIpv4:
      return addresses.Next(AddressKind::kIpv4);
    case Origin::kIpv6OneBlock:
      return addresses.Next(AddressKind::kIpv6OneBlock);
    case Origin::kIpv6ManyBlocks:
      return addresses.Next(AddressKind::kIpv6ManyBlocks);
    case Origin::kGarbage:
      return addresses.Next(AddressKind::kGarbage);
  }
  return "";
}

// A login that worked, to be replayed.
struct UsedLogin {
  v1::LoginRequest request;
  std::string forwarded_for;
};

struct Replays {
  std::mutex mu;
  std::vector<UsedLogin> logins;
};

}  // namespace

size_t RunLoginFlood(Stage& stage, StatusTally& tally) {
  std::ostream& out = *stage.out;
  auto& pool = stage.throwaways;
  SpoofedAddresses addresses(3);
  const size_t challenges = kChallenges * static_cast<size_t>(stage.scale);
  FloodResult c =
      RunFlood(challenges, kInFlight, Millis(45000 * stage.scale), [&](size_t i, CallDone done) {
        const Origin origin = ChallengeOrigin(i);
        v1::ChallengeRequest req;
        req.set_member(crypto::Identity::Generate().sign_pk());
        auto* stub = pool[i % pool.size()]->auth.get();
        StartUnary<v1::ChallengeResponse>([&](auto... a) { stub->async()->Challenge(a...); }, req,
                                          {"", ForwardedFor(addresses, origin)},
                                          [&tally, origin, done = std::move(done)](
                                              const grpc::Status& s, const v1::ChallengeResponse&) {
                                            tally.Add(
                                                std::string("Auth.Challenge ") + ToString(origin),
                                                s, IsBroken(s.error_code()));
                                            done(s);
                                          });
      });
  out << "  challenges: " << c.finished << " in " << c.seconds << " s"
      << (c.capped ? " (stopped at the time cap)" : "") << "\n";

  auto replays = std::make_shared<Replays>();
  const size_t logins = kLogins * static_cast<size_t>(stage.scale);
  FloodResult l =
      RunFlood(logins, kInFlight, Millis(30000 * stage.scale), [&](size_t i, CallDone done) {
        const Origin origin = LoginOrigin(i);
        const std::string label = std::string("Auth.Login ") + ToString(origin);
        auto identity = std::make_shared<crypto::Identity>(crypto::Identity::Generate());
        const std::string xff = ForwardedFor(addresses, origin);
        auto* stub = pool[i % pool.size()]->auth.get();
        v1::ChallengeRequest req;
        req.set_member(identity->sign_pk());
        StartUnary<v1::ChallengeResponse>(
            [&](auto... a) { stub->async()->Challenge(a...); }, req, {"", xff},
            [&tally, label, identity, xff, stub, replays, done = std::move(done)](
                const grpc::Status& s, const v1::ChallengeResponse& ch) {
              tally.Add(label + ": challenge", s, IsBroken(s.error_code()));
              if (!s.ok()) {
                done(s);
                return;
              }
              v1::LoginRequest login;
              login.set_member(identity->sign_pk());
              login.set_nonce(ch.nonce());
              login.set_signature(
                  identity->Sign(crypto::LoginSignatureInput(ch.server_id(), ch.nonce())));
              StartUnary<v1::LoginResponse>(
                  [&](auto... a) { stub->async()->Login(a...); }, login, {"", xff},
                  [&tally, label, login, xff, replays, done](const grpc::Status& ls,
                                                             const v1::LoginResponse&) {
                    tally.Add(label + ": login", ls, IsBroken(ls.error_code()));
                    if (ls.ok()) {
                      std::lock_guard lock(replays->mu);
                      if (replays->logins.size() < kReplays)
                        replays->logins.push_back({login, xff});
                    }
                    done(ls);
                  });
            });
      });
  out << "  logins: " << l.finished << " in " << l.seconds << " s"
      << (l.capped ? " (stopped at the time cap)" : "") << "\n";

  // Each captured (nonce, signature) once more: a replay must never log in.
  std::vector<UsedLogin> used;
  {
    std::lock_guard lock(replays->mu);
    used = replays->logins;
  }
  FloodResult r = RunFlood(used.size(), 16, Millis(20000), [&](size_t i, CallDone done) {
    auto* stub = pool[i % pool.size()]->auth.get();
    StartUnary<v1::LoginResponse>(
        [&](auto... a) { stub->async()->Login(a...); }, used[i].request,
        {"", used[i].forwarded_for},
        [&tally, done = std::move(done)](const grpc::Status& s, const v1::LoginResponse&) {
          tally.Add("Auth.Login replayed", s, IsBroken(s.error_code()) || s.ok(), "nonce");
          done(s);
        });
  });

  tally.Print(out);
  const size_t one_block = tally.Total("Auth.Challenge v6 one /64");
  out << "  one IPv6 /64: " << tally.Count("Auth.Challenge v6 one /64", grpc::StatusCode::OK)
      << " of " << one_block << " challenges OK; many /64s: "
      << tally.Count("Auth.Challenge v6 many /64", grpc::StatusCode::OK) << " of "
      << tally.Total("Auth.Challenge v6 many /64")
      << "; direct: " << tally.Count("Auth.Challenge direct", grpc::StatusCode::OK) << " of "
      << tally.Total("Auth.Challenge direct") << "\n";
  const auto lines = tally.ViolationLines(15);
  for (const auto& line : lines) out << "  bad: " << line << "\n";
  stage.checks->Expect(
      tally.violations() == 0, "login flood answered",
      tally.violations() == 0
          ? std::to_string(tally.Total()) + " answers, none broken; " + std::to_string(r.finished) +
                " replayed logins all refused"
          : std::to_string(tally.violations()) +
                " answers were broken (INTERNAL/UNKNOWN/no answer) or a replayed login worked; "
                "first: " +
                lines.front());
  return tally.Total();  // every rpc, each step of a login included, is tallied once
}

}  // namespace mend::hostile
