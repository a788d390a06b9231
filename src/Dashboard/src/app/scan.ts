import jsQR from 'jsqr';

// Reading the console's QR code: from the camera (getUserMedia, a frame every 200 ms through jsQR) or from a picture
// of it. Everything stays on the phone.

/** The text of the first QR code in an image, or null. */
export function decodeImage(image: CanvasImageSource, width: number, height: number): string | null {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext('2d', { willReadFrequently: true })!;
  g.drawImage(image, 0, 0, width, height);
  const data = g.getImageData(0, 0, width, height);
  return jsQR(data.data, width, height, { inversionAttempts: 'attemptBoth' })?.data ?? null;
}

export async function decodeFile(file: Blob): Promise<string | null> {
  const bitmap = await createImageBitmap(file);
  try {
    const scale = Math.min(1, 1200 / Math.max(bitmap.width, bitmap.height));
    return decodeImage(bitmap, Math.round(bitmap.width * scale), Math.round(bitmap.height * scale));
  } finally {
    bitmap.close();
  }
}

/** Scans with the back camera into the video element until a code is read or stop() is called. */
export function scanCamera(video: HTMLVideoElement, found: (text: string) => void, failed: (error: unknown) => void): { stop(): void } {
  let stream: MediaStream | null = null;
  let timer = 0;
  let stopped = false;
  const stop = (): void => {
    stopped = true;
    window.clearInterval(timer);
    stream?.getTracks().forEach((t) => t.stop());
    video.srcObject = null;
  };
  navigator.mediaDevices
    .getUserMedia({ video: { facingMode: 'environment' }, audio: false })
    .then(async (s) => {
      if (stopped) {
        s.getTracks().forEach((t) => t.stop());
        return;
      }
      stream = s;
      video.srcObject = s;
      await video.play();
      timer = window.setInterval(() => {
        if (video.videoWidth === 0) {
          return;
        }
        const text = decodeImage(video, video.videoWidth, video.videoHeight);
        if (text) {
          stop();
          found(text);
        }
      }, 200);
    })
    .catch((e) => {
      stop();
      failed(e);
    });
  return { stop };
}
