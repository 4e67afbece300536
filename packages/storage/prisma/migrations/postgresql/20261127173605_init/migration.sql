-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "accounts" (
    "username" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    "roster_version" BIGINT NOT NULL DEFAULT 0,
    "offline_seq" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("username")
);

-- CreateTable
CREATE TABLE "scram_credentials" (
    "owner" TEXT NOT NULL,
    "mechanism" TEXT NOT NULL,
    "salt" TEXT NOT NULL,
    "iterations" INTEGER NOT NULL,
    "stored_key" TEXT NOT NULL,
    "server_key" TEXT NOT NULL,

    CONSTRAINT "scram_credentials_pkey" PRIMARY KEY ("owner","mechanism")
);

-- CreateTable
CREATE TABLE "account_tombstones" (
    "username" TEXT NOT NULL,
    "deleted_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "account_tombstones_pkey" PRIMARY KEY ("username")
);

-- CreateTable
CREATE TABLE "roster_items" (
    "owner" TEXT NOT NULL,
    "jid" TEXT NOT NULL,
    "name" TEXT,
    "subscription" TEXT NOT NULL,
    "ask_subscribe" BOOLEAN NOT NULL,
    "approved" BOOLEAN NOT NULL,
    "groups" TEXT NOT NULL,

    CONSTRAINT "roster_items_pkey" PRIMARY KEY ("owner","jid")
);

-- CreateTable
CREATE TABLE "pending_subscriptions" (
    "owner" TEXT NOT NULL,
    "jid" TEXT NOT NULL,
    "stanza" TEXT NOT NULL,

    CONSTRAINT "pending_subscriptions_pkey" PRIMARY KEY ("owner","jid")
);

-- CreateTable
CREATE TABLE "offline_messages" (
    "owner" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,
    "stanza" TEXT NOT NULL,
    "stored_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "offline_messages_pkey" PRIMARY KEY ("owner","seq")
);

-- CreateTable
CREATE TABLE "private_xml" (
    "owner" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "xml" TEXT NOT NULL,

    CONSTRAINT "private_xml_pkey" PRIMARY KEY ("owner","key")
);

-- CreateTable
CREATE TABLE "vcards" (
    "owner" TEXT NOT NULL,
    "xml" TEXT NOT NULL,

    CONSTRAINT "vcards_pkey" PRIMARY KEY ("owner")
);

-- CreateIndex
CREATE INDEX "account_tombstones_deleted_at_idx" ON "account_tombstones"("deleted_at");

-- AddForeignKey
ALTER TABLE "scram_credentials" ADD CONSTRAINT "scram_credentials_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts"("username") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "roster_items" ADD CONSTRAINT "roster_items_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts"("username") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pending_subscriptions" ADD CONSTRAINT "pending_subscriptions_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts"("username") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "offline_messages" ADD CONSTRAINT "offline_messages_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts"("username") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "private_xml" ADD CONSTRAINT "private_xml_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts"("username") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vcards" ADD CONSTRAINT "vcards_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts"("username") ON DELETE CASCADE ON UPDATE CASCADE;
