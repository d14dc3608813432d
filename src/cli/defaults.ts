/** Where `train` (and so `npm start`) saves its model, and where the other commands look first. */
export const DEFAULT_SAVE_PATH = 'log/model.safetensors';

/** The file a model of kind `model` is saved to by default: the tutorial's softmax where the other commands look first, each other kind its own. */
export function defaultSavePath(model: string): string {
  return model === 'softmax' ? DEFAULT_SAVE_PATH : `log/${model}.safetensors`;
}
