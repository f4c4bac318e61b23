#include "tests/hostile/stage_calls.h"

#include "crypto/grant.h"
#include "proto/wire.h"
#include "tests/hostile/status_tally.h"

namespace mend::hostile {
namespace {

using testing::TestMember;

CallOptions As(const TestMember& member, const std::string& forwarded_for = "",
               Millis timeout = kStageCallTimeout) {
  return {member.token, forwarded_for, timeout};
}

absl::Status Failed(const std::string& step, const grpc::Status& status) {
  return absl::UnavailableError(step + ": " + Describe(status));
}

grpc::Status PutGrant(const TestMember& granter, const std::string& couple_id,
                      const crypto::SecretBytes& key, const crypto::PublicIdentity& to) {
  mend::v1::PutGrantRequest req;
  req.set_couple_id(couple_id);
  auto* g = req.mutable_grant();
  g->set_epoch(0);
  g->set_member(to.sign_pk);
  auto sealed = crypto::SealCoupleKey(key, to.box_pk);
  if (!sealed.ok()) return {grpc::StatusCode::INTERNAL, "cannot seal a couple key"};
  g->set_sealed_key(*sealed);
  g->set_granter(granter.identity.sign_pk());
  g->set_key_id(crypto::KeyId(key));
  g->set_signature(granter.identity.Sign(
      crypto::GrantSignatureInput(couple_id, 0, to.sign_pk, g->key_id(), *sealed)));
  mend::v1::PutGrantResponse resp;
  grpc::ClientContext ctx;
  PrepareContext(&ctx, As(granter));
  return granter.pairing->PutGrant(&ctx, req, &resp);
}

}  // namespace

std::string Describe(const grpc::Status& status) {
  std::string out = CodeName(status.error_code());
  if (!status.error_message().empty()) out += ": " + status.error_message().substr(0, 160);
  return out;
}

grpc::Status RetryWhileExhausted(const Deadline& deadline,
                                 const std::function<grpc::Status()>& attempt) {
  for (;;) {
    grpc::Status s = attempt();
    if (s.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) return s;
    if (!deadline.SleepFor(Millis(500))) return s;
  }
}

grpc::Status LoginOnce(TestMember& member, const std::string& forwarded_for, Millis timeout) {
  mend::v1::ChallengeRequest creq;
  creq.set_member(member.identity.sign_pk());
  mend::v1::ChallengeResponse challenge;
  {
    grpc::ClientContext ctx;
    PrepareContext(&ctx, {"", forwarded_for, timeout});
    grpc::Status s = member.auth->Challenge(&ctx, creq, &challenge);
    if (!s.ok()) return s;
  }
  mend::v1::LoginRequest lreq;
  lreq.set_member(member.identity.sign_pk());
  lreq.set_nonce(challenge.nonce());
  lreq.set_signature(
      member.identity.Sign(crypto::LoginSignatureInput(challenge.server_id(), challenge.nonce())));
  mend::v1::LoginResponse resp;
  grpc::ClientContext ctx;
  PrepareContext(&ctx, {"", forwarded_for, timeout});
  grpc::Status s = member.auth->Login(&ctx, lreq, &resp);
  if (s.ok()) member.token = resp.token();
  return s;
}

grpc::Status CreateCouple(TestMember& creator, const std::string& couple_id,
                          const std::string& forwarded_for) {
  mend::v1::CreateCoupleRequest req;
  req.set_couple_id(couple_id);
  req.set_box_pk(creator.identity.box_pk());
  mend::v1::CreateCoupleResponse resp;
  grpc::ClientContext ctx;
  PrepareContext(&ctx, As(creator, forwarded_for));
  return creator.pairing->CreateCouple(&ctx, req, &resp);
}

absl::Status PairCouple(testing::TestCouple& c, const Deadline& deadline) {
  TestMember& a = *c.a;
  TestMember& b = *c.b;
  grpc::Status s = RetryWhileExhausted(deadline, [&] { return LoginOnce(a); });
  if (!s.ok()) return Failed("first member's login", s);
  s = RetryWhileExhausted(deadline, [&] { return LoginOnce(b); });
  if (!s.ok()) return Failed("second member's login", s);
  s = RetryWhileExhausted(deadline, [&] { return CreateCouple(a, c.couple_id); });
  if (!s.ok()) return Failed("CreateCouple", s);
  s = RetryWhileExhausted(
      deadline, [&] { return PutGrant(a, c.couple_id, c.key, a.identity.public_identity()); });
  if (!s.ok()) return Failed("PutGrant to the creator", s);
  c.invite_id = crypto::RandomBytes(16);
  s = RetryWhileExhausted(deadline, [&] {
    mend::v1::PostInviteRequest req;
    req.set_couple_id(c.couple_id);
    req.set_invite_id(c.invite_id);
    req.set_offer_ct("opaque offer");
    req.set_ttl_seconds(3600);
    mend::v1::PostInviteResponse resp;
    grpc::ClientContext ctx;
    PrepareContext(&ctx, As(a));
    return a.pairing->PostInvite(&ctx, req, &resp);
  });
  if (!s.ok()) return Failed("PostInvite", s);
  s = RetryWhileExhausted(deadline, [&] {
    mend::v1::JoinCoupleRequest req;
    req.set_invite_id(c.invite_id);
    req.set_box_pk(b.identity.box_pk());
    req.set_answer_ct("opaque answer");
    mend::v1::JoinCoupleResponse resp;
    grpc::ClientContext ctx;
    PrepareContext(&ctx, As(b));
    return b.pairing->JoinCouple(&ctx, req, &resp);
  });
  if (!s.ok()) return Failed("JoinCouple", s);
  s = RetryWhileExhausted(deadline, [&] {
    mend::v1::ConfirmMemberRequest req;
    req.set_couple_id(c.couple_id);
    req.set_member(b.identity.sign_pk());
    mend::v1::ConfirmMemberResponse resp;
    grpc::ClientContext ctx;
    PrepareContext(&ctx, As(a));
    return a.pairing->ConfirmMember(&ctx, req, &resp);
  });
  if (!s.ok()) return Failed("ConfirmMember", s);
  s = RetryWhileExhausted(
      deadline, [&] { return PutGrant(a, c.couple_id, c.key, b.identity.public_identity()); });
  if (!s.ok()) return Failed("PutGrant to the joiner", s);
  return absl::OkStatus();
}

grpc::Status AppendEntry(const TestMember& author, const mend::v1::Entry& entry,
                         mend::v1::Head* head, Millis timeout) {
  mend::v1::AppendRequest req;
  *req.mutable_entry() = entry;
  mend::v1::AppendResponse resp;
  grpc::ClientContext ctx;
  PrepareContext(&ctx, As(author, "", timeout));
  grpc::Status s = author.log->Append(&ctx, req, &resp);
  if (s.ok()) {
    *head = resp.head();
  } else if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
    const auto& md = ctx.GetServerTrailingMetadata();
    auto it = md.find(std::string(wire::kHeadTrailer));
    if (it != md.end()) head->ParseFromString(std::string(it->second.data(), it->second.size()));
  }
  return s;
}

grpc::Status GetHead(const TestMember& member, const std::string& couple_id, mend::v1::Head* head) {
  mend::v1::GetHeadRequest req;
  req.set_couple_id(couple_id);
  grpc::ClientContext ctx;
  PrepareContext(&ctx, As(member));
  return member.log->GetHead(&ctx, req, head);
}

absl::StatusOr<mend::v1::Head> AppendChain(const testing::TestCouple& c, mend::v1::Head head,
                                           int count, size_t note_bytes, const Deadline& deadline) {
  for (int i = 0; i < count; ++i) {
    const TestMember& author = (head.seq() % 2 == 0) ? *c.a : *c.b;
    const std::string prev = head.seq() == 0 ? c.genesis() : head.hash();
    mend::v1::Entry entry = c.Entry(author, head.seq() + 1, prev, 0, note_bytes);
    mend::v1::Head next;
    grpc::Status s =
        RetryWhileExhausted(deadline, [&] { return AppendEntry(author, entry, &next); });
    if (!s.ok()) return Failed("append of entry " + std::to_string(head.seq() + 1), s);
    head = next;
  }
  return head;
}

}  // namespace mend::hostile
