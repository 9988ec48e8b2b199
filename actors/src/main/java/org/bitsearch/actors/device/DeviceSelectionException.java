package org.bitsearch.actors.device;

/** A device request that cannot be met ({@code --gpus} names a GPU that is not visible, or is malformed): bad input. */
public final class DeviceSelectionException extends IllegalArgumentException {
    public DeviceSelectionException(String message) {
        super(message);
    }
}
