// Test entry for xfcc.ts.
import { stringToBuffer } from "../../shared/bytes";
import { parseXfcc, xfccUriString, XfccResult } from "../xfcc";

/** "uri <value>", "no uri", "many uris" or "malformed". */
export function chooseUri(header: string, useLast: bool): string {
  const bytes = stringToBuffer(header);
  const result = parseXfcc(changetype<usize>(bytes), bytes.byteLength, useLast);
  if (result == XfccResult.Uri) return "uri " + xfccUriString(changetype<usize>(bytes));
  if (result == XfccResult.NoUri) return "no uri";
  if (result == XfccResult.ManyUris) return "many uris";
  return "malformed";
}
