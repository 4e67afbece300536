-- CreateTable
CREATE TABLE "muc_rooms" (
    "jid" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "muc_rooms_pkey" PRIMARY KEY ("jid")
);

-- CreateTable
CREATE TABLE "muc_archive" (
    "id" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "peer" TEXT NOT NULL,
    "peer_resource" TEXT,
    "seq" BIGINT NOT NULL,
    "stored_at" TIMESTAMP(3) NOT NULL,
    "stanza" TEXT NOT NULL,

    CONSTRAINT "muc_archive_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "muc_archive_owner_seq_idx" ON "muc_archive"("owner", "seq");

-- CreateIndex
CREATE INDEX "muc_archive_owner_peer_seq_idx" ON "muc_archive"("owner", "peer", "seq");

-- CreateIndex
CREATE INDEX "muc_archive_stored_at_idx" ON "muc_archive"("stored_at");
