/** Public API of the metrics layer: landmark NME/CED/AUC/FR and image PSNR/SSIM under named protocols. */
export { nmePerImage, nmeTensor, defaultNormalizer, eyeIndices, normalizingDistance, normalizerDefinition } from './nme';
export type { NmeNormalizer, NmeReduction, NmeOptions, NmeProtocol, Points } from './nme';
export { ced, auc, failureRate, nmeSummary, AUC_METHODS } from './ced';
export type { AucMethod, NmeSummary, NmeSummaryOptions, NmeReport } from './ced';
export { psnr, psnrFromMse, mseInRect } from './psnr';
export { ssim, WANG_SSIM } from './ssim';
export { ssimMapTensor } from './ssim-tensor';
export { gaussianTaps } from './gaussian';
export { yOfRgb01, yPlane, yCoefficients, quantize01To8bit, roundHalfEven } from './color';
export type { YConversion } from './color';
export { imageProtocol, cropRect, landmarkBox, IMAGE_PROTOCOL_NAMES } from './protocols';
export type { ImageProtocol, ImageProtocolName, SsimSettings, Box, CropRect } from './protocols';
export { evaluateImages, evaluateImagesExact } from './evaluate-images';
export type { EvaluateImagesOptions, ImageMetrics, FloatRgbImage } from './evaluate-images';
export { identitySimilarity, identitySimilarityTo, faceEmbeddings, cosineSimilarity, recognitionBox } from './identity';
export { downstreamNme, detectLandmarks68, DOWNSTREAM_LANDMARKS } from './downstream-nme';
export { FaceMetricError, loadFaceMetricNets } from './face-nets';
