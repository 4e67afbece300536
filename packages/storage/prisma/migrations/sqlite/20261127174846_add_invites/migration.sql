-- CreateTable
CREATE TABLE "invites" (
    "token_hash" TEXT NOT NULL PRIMARY KEY,
    "expires_at" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "invites_expires_at_idx" ON "invites"("expires_at");
