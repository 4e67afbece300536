-- CreateTable
CREATE TABLE "invites" (
    "token_hash" TEXT NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "invites_pkey" PRIMARY KEY ("token_hash")
);

-- CreateIndex
CREATE INDEX "invites_expires_at_idx" ON "invites"("expires_at");
