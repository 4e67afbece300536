-- CreateTable
CREATE TABLE "archive" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "owner" TEXT NOT NULL,
    "peer" TEXT NOT NULL,
    "peer_resource" TEXT,
    "seq" BIGINT NOT NULL,
    "stored_at" DATETIME NOT NULL,
    "stanza" TEXT NOT NULL,
    CONSTRAINT "archive_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts" ("username") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "archive_prefs" (
    "owner" TEXT NOT NULL PRIMARY KEY,
    "mode" TEXT NOT NULL,
    "always" TEXT NOT NULL,
    "never" TEXT NOT NULL,
    CONSTRAINT "archive_prefs_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts" ("username") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "archive_owner_seq_idx" ON "archive"("owner", "seq");

-- CreateIndex
CREATE INDEX "archive_owner_peer_seq_idx" ON "archive"("owner", "peer", "seq");

-- CreateIndex
CREATE INDEX "archive_stored_at_idx" ON "archive"("stored_at");
