-- CreateTable
CREATE TABLE "archive" (
    "id" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "peer" TEXT NOT NULL,
    "peer_resource" TEXT,
    "seq" BIGINT NOT NULL,
    "stored_at" TIMESTAMP(3) NOT NULL,
    "stanza" TEXT NOT NULL,

    CONSTRAINT "archive_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "archive_prefs" (
    "owner" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "always" TEXT NOT NULL,
    "never" TEXT NOT NULL,

    CONSTRAINT "archive_prefs_pkey" PRIMARY KEY ("owner")
);

-- CreateIndex
CREATE INDEX "archive_owner_seq_idx" ON "archive"("owner", "seq");

-- CreateIndex
CREATE INDEX "archive_owner_peer_seq_idx" ON "archive"("owner", "peer", "seq");

-- CreateIndex
CREATE INDEX "archive_stored_at_idx" ON "archive"("stored_at");

-- AddForeignKey
ALTER TABLE "archive" ADD CONSTRAINT "archive_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts"("username") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "archive_prefs" ADD CONSTRAINT "archive_prefs_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts"("username") ON DELETE CASCADE ON UPDATE CASCADE;
