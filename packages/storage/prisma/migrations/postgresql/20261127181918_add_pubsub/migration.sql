-- CreateTable
CREATE TABLE "pubsub_nodes" (
    "owner" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "config" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    "item_seq" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "pubsub_nodes_pkey" PRIMARY KEY ("owner","name")
);

-- CreateTable
CREATE TABLE "pubsub_items" (
    "owner" TEXT NOT NULL,
    "node" TEXT NOT NULL,
    "item_id" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "publisher" TEXT NOT NULL,
    "published_at" TIMESTAMP(3) NOT NULL,
    "seq" BIGINT NOT NULL,

    CONSTRAINT "pubsub_items_pkey" PRIMARY KEY ("owner","node","item_id")
);

-- CreateTable
CREATE TABLE "pubsub_subscriptions" (
    "owner" TEXT NOT NULL,
    "node" TEXT NOT NULL,
    "jid" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "pubsub_subscriptions_pkey" PRIMARY KEY ("owner","node","jid")
);

-- CreateTable
CREATE TABLE "pubsub_affiliations" (
    "owner" TEXT NOT NULL,
    "node" TEXT NOT NULL,
    "jid" TEXT NOT NULL,
    "affiliation" TEXT NOT NULL,

    CONSTRAINT "pubsub_affiliations_pkey" PRIMARY KEY ("owner","node","jid")
);

-- CreateIndex
CREATE INDEX "pubsub_items_owner_node_seq_idx" ON "pubsub_items"("owner", "node", "seq");

-- CreateIndex
CREATE INDEX "pubsub_subscriptions_jid_idx" ON "pubsub_subscriptions"("jid");

-- CreateIndex
CREATE INDEX "pubsub_affiliations_jid_idx" ON "pubsub_affiliations"("jid");

-- AddForeignKey
ALTER TABLE "pubsub_nodes" ADD CONSTRAINT "pubsub_nodes_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts"("username") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pubsub_items" ADD CONSTRAINT "pubsub_items_owner_node_fkey" FOREIGN KEY ("owner", "node") REFERENCES "pubsub_nodes"("owner", "name") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pubsub_subscriptions" ADD CONSTRAINT "pubsub_subscriptions_owner_node_fkey" FOREIGN KEY ("owner", "node") REFERENCES "pubsub_nodes"("owner", "name") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pubsub_affiliations" ADD CONSTRAINT "pubsub_affiliations_owner_node_fkey" FOREIGN KEY ("owner", "node") REFERENCES "pubsub_nodes"("owner", "name") ON DELETE CASCADE ON UPDATE CASCADE;
