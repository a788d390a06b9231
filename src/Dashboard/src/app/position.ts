// Positions from the browser's Geolocation API. Browsers report WGS-84 (the W3C specification's coordinate system; a phone's
// GPS chip), so every status says "coordSystem": "wgs84" — the device API would convert GCJ-02 (what Chinese map SDKs give)
// at its edge, but nothing here produces it (docs/devices.md, "Coordinate systems").

export const CoordSystem = 'wgs84';

export interface Fix {
  lat: number;
  lon: number;
  accuracyM: number;
  at: string;
}

export function currentFix(timeoutMs = 15000): Promise<Fix> {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) {
      reject(new Error('no geolocation'));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude, accuracyM: Math.max(0, p.coords.accuracy || 0), at: new Date(p.timestamp || Date.now()).toISOString() }),
      (e) => reject(new Error(e.message || 'geolocation refused')),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 0 },
    );
  });
}

/** The battery level in percent, when the browser tells it. */
export async function batteryPct(): Promise<number | undefined> {
  const nav = navigator as Navigator & { getBattery?: () => Promise<{ level: number }> };
  try {
    return nav.getBattery ? Math.round((await nav.getBattery()).level * 100) : undefined;
  } catch {
    return undefined;
  }
}
