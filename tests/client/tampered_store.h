// Two paired partners against a server whose store a test edits behind its
// back, as an attacker with the server's disk would (TamperedStoreTest).
#ifndef MEND_TESTS_CLIENT_TAMPERED_STORE_H_
#define MEND_TESTS_CLIENT_TAMPERED_STORE_H_

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/big_endian.h"
#include "crypto/entry_codec.h"
#include "crypto/key_file.h"
#include "mend/v1/envelope.pb.h"
#include "tests/client/two_partners.h"

namespace mend::client {

// Direct access to a stopped server's store, as an attacker with the disk has.
class StoreEditor {
 public:
  explicit StoreEditor(const std::filesystem::path& data_dir) {
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const char* name :
         {"default", "couples", "members", "entries", "heads", "invites", "grants", "meta"}) {
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    rocksdb::DB* db = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(), (data_dir / "db").string(),
                                          families, &handles_, &db);
    EXPECT_TRUE(s.ok()) << s.ToString();
    db_.reset(db);
  }
  ~StoreEditor() {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  }
  std::string Key(const std::string& couple_id, uint64_t seq) {
    std::string k = couple_id;
    base::AppendU64(&k, seq);
    return k;
  }
  mend::v1::Entry GetEntry(const std::string& couple_id, uint64_t seq) {
    std::string v;
    EXPECT_TRUE(db_->Get({}, handles_[3], Key(couple_id, seq), &v).ok());
    mend::v1::Entry e;
    e.ParseFromString(v);
    return e;
  }
  void PutEntry(const std::string& couple_id, uint64_t seq, const mend::v1::Entry& e) {
    ASSERT_TRUE(db_->Put({}, handles_[3], Key(couple_id, seq), e.SerializeAsString()).ok());
  }
  void DeleteEntry(const std::string& couple_id, uint64_t seq) {
    ASSERT_TRUE(db_->Delete({}, handles_[3], Key(couple_id, seq)).ok());
  }
  void SetHead(const std::string& couple_id, uint64_t seq, const std::string& hash) {
    mend::v1::Head h;
    h.set_seq(seq);
    h.set_hash(hash);
    ASSERT_TRUE(db_->Put({}, handles_[4], couple_id, h.SerializeAsString()).ok());
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

class TamperedStoreTest : public TwoPartnersTest {
 protected:
  // Stops everything, lets `edit` change the store behind the server's back,
  // and starts the server again on the edited store.
  void EditStore(const std::function<void(StoreEditor&)>& edit) {
    alex_.reset();
    sam_.reset();
    StopServer();
    {
      StoreEditor editor(data_);
      edit(editor);
    }
    StartServer();
  }
  // Entries 3 and 4 that Alex also signed, but not the log's: what a server
  // that forks the history after entry 2 shows (say, one it took from a
  // second device of Alex's that it showed another head).
  // REQUIRES: alex_ is open and holds entry 2.
  std::pair<mend::v1::Entry, mend::v1::Entry> ForkAfterEntryTwo() {
    const std::string couple_id = alex_->state().couple_id;
    auto secrets = crypto::KeyFile::Read(Profile::Locate("alex").key_path(), pass_);
    EXPECT_TRUE(secrets.ok()) << secrets.status();
    const auto& key = secrets->couple_keys.at(0);
    mend::v1::Payload p;
    p.mutable_check_in()->set_mood(1);
    auto alt3 = *crypto::SealEntry({couple_id, 3, alex_->entries()[1].hash, 0, 5}, p,
                                   alex_->identity(), key);
    auto alt4 = *crypto::SealEntry(
        {couple_id, 4, crypto::EntryHash(alt3.header(), alt3.ciphertext()), 0, 6}, p,
        alex_->identity(), key);
    return {std::move(alt3), std::move(alt4)};
  }
};

}  // namespace mend::client

#endif  // MEND_TESTS_CLIENT_TAMPERED_STORE_H_
