// Test entry for xfcc.ts.
import { bytesToString, stringToBuffer } from "../../shared/bytes";
import { parseXfcc, xfccUriEnd, xfccUriStart, XfccResult } from "../xfcc";

/** "uri <value>", "no uri", "many uris" or "malformed". */
export function chooseUri(header: string, useLast: bool): string {
  const bytes = stringToBuffer(header);
  const result = parseXfcc(changetype<usize>(bytes), bytes.byteLength, useLast);
  if (result == XfccResult.Uri) return "uri " + bytesToString(changetype<usize>(bytes) + <usize>xfccUriStart, <usize>(xfccUriEnd - xfccUriStart));
  if (result == XfccResult.NoUri) return "no uri";
  if (result == XfccResult.ManyUris) return "many uris";
  return "malformed";
}
