package org.simdcnn.io;

/**
 * A safetensors file (or a state dict) that is malformed or does not match the model; the message names the
 * file, the tensor and the field. An {@link IllegalArgumentException} (bad input), catchable on its own.
 */
public final class SafeTensorsException extends IllegalArgumentException {
    public SafeTensorsException(String message) {
        super(message);
    }
}
