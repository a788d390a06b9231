// The parts of the npm package qrcode (1.5.4) the console uses: an SVG of a text's QR code.
declare module 'qrcode' {
  const QRCode: { toString(text: string, options?: { type?: "svg" | "utf8"; errorCorrectionLevel?: "L" | "M" | "Q" | "H"; margin?: number; width?: number }): Promise<string> };
  export default QRCode;
  export function toString(text: string, options?: { type?: 'svg' | 'utf8'; errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H'; margin?: number; width?: number }): Promise<string>;
}
