-- CreateTable
CREATE TABLE "muc_rooms" (
    "jid" TEXT NOT NULL PRIMARY KEY,
    "state" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL,
    "updated_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "muc_archive" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "owner" TEXT NOT NULL,
    "peer" TEXT NOT NULL,
    "peer_resource" TEXT,
    "seq" BIGINT NOT NULL,
    "stored_at" DATETIME NOT NULL,
    "stanza" TEXT NOT NULL
);

-- CreateIndex
CREATE INDEX "muc_archive_owner_seq_idx" ON "muc_archive"("owner", "seq");

-- CreateIndex
CREATE INDEX "muc_archive_owner_peer_seq_idx" ON "muc_archive"("owner", "peer", "seq");

-- CreateIndex
CREATE INDEX "muc_archive_stored_at_idx" ON "muc_archive"("stored_at");
