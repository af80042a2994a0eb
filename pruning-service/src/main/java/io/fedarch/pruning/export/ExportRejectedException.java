package io.fedarch.pruning.export;

/** A completed search that cannot be exported; dead-lettered with the reason. */
public class ExportRejectedException extends RuntimeException {
    public ExportRejectedException(String reason) {
        super(reason);
    }
}
