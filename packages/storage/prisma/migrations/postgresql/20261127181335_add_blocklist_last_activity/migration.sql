-- CreateTable
CREATE TABLE "blocklist" (
    "owner" TEXT NOT NULL,
    "jid" TEXT NOT NULL,

    CONSTRAINT "blocklist_pkey" PRIMARY KEY ("owner","jid")
);

-- CreateTable
CREATE TABLE "last_activity" (
    "owner" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL,

    CONSTRAINT "last_activity_pkey" PRIMARY KEY ("owner")
);

-- AddForeignKey
ALTER TABLE "blocklist" ADD CONSTRAINT "blocklist_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts"("username") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "last_activity" ADD CONSTRAINT "last_activity_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts"("username") ON DELETE CASCADE ON UPDATE CASCADE;
