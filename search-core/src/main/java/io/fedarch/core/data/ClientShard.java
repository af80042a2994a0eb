package io.fedarch.core.data;

/** One client's private data: a training split and a local validation split. */
public record ClientShard(int clientId, ImageDataset train, ImageDataset validation) {
}
