// Photos are resized on the phone before they wait in the queue: at most MaxEdge pixels on the longest edge, as JPEG.
// Drawing through a canvas also leaves the camera's metadata behind; the server re-encodes again whatever arrives.

export const MaxEdge = 1600;
export const Quality = 0.85;

/** The photo turned upright (EXIF orientation), scaled to fit MaxEdge, as a new JPEG. */
export async function resizePhoto(file: Blob, maxEdge = MaxEdge): Promise<Blob> {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  try {
    const scale = Math.min(1, maxEdge / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const g = canvas.getContext('2d')!;
    g.fillStyle = '#fff';
    g.fillRect(0, 0, width, height);
    g.drawImage(bitmap, 0, 0, width, height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the photo could not be encoded'))), 'image/jpeg', Quality),
    );
  } finally {
    bitmap.close();
  }
}
