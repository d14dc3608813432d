/** Where `train` (and so `npm start`) saves its model, and where the other commands look first. */
export const DEFAULT_SAVE_PATH = 'log/model.safetensors';
