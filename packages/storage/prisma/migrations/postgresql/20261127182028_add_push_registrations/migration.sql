-- CreateTable
CREATE TABLE "push_registrations" (
    "owner" TEXT NOT NULL,
    "jid" TEXT NOT NULL,
    "node" TEXT NOT NULL,
    "options" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "push_registrations_pkey" PRIMARY KEY ("owner","jid","node")
);

-- AddForeignKey
ALTER TABLE "push_registrations" ADD CONSTRAINT "push_registrations_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts"("username") ON DELETE CASCADE ON UPDATE CASCADE;
